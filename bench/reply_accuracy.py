"""Precision and recall of the reply-intent classifier on the labelled human replies.

    python bench/reply_accuracy.py             # every set: labelled, then each held-out one
    python bench/reply_accuracy.py --misses    # also list every miss

Each reply in tests/data/replies/ is built into real mail (our pitch and footer quoted the way
the case says) and classified by `parse_and_classify`, as `outreach inbox classify` does.
The held-out files were written before reading the phrase data and are scored separately.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.reply_corpus import SETS, load, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    for path in SETS:
        cases = load(path)
        started = time.perf_counter()
        result = score(cases)
        took = time.perf_counter() - started
        table = result.table(path.name)
        if not args.misses:
            table = "\n".join(line for line in table.split("\n") if not line.startswith("  miss"))
        print(table)
        print(f"{len(cases) / took:.0f} replies/s (build + classify)\n")


if __name__ == "__main__":
    main()
