"""Accuracy of the inbound classifier on a folder of real mail with an `expected.jsonl`.

Each line of expected.jsonl names a `file` (relative to the folder), its `expect_kind`
(bounce | complaint | opt_out | auto_reply | reply | not_bounce) and, for bounces, `facts`: one
per failed recipient with `recipient`, `status`, `reason` (Sisimai's), `perm_expected` (true:
suppress, false: must not, null: not scored) and `sender_side`. The format is the one of
tests/data/corpus/inbound (see its README).

    python bench/inbound_accuracy.py                          # the corpus in tests/data
    python bench/inbound_accuracy.py ~/mail/set --misses 20   # another set, show 20 misses
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from outreach.inbound import BOUNCE, Classified, parse_and_classify  # noqa: E402

DEFAULT_DIR = ROOT / "tests" / "data" / "corpus" / "inbound"

#: metric -> (target, True if the figure must be at least the target, False if at most).
TARGETS: dict[str, tuple[float, bool]] = {
    "bounce recall": (0.97, True),
    "recipient correct": (0.98, True),
    "recipient-side permanent suppressed": (0.97, True),
    "transient not suppressed": (0.95, True),
    "sender-side suppressing recipient": (0.02, False),
    "Sisimai reason agreement": (0.80, True),
    "other kinds correct": (0.90, True),
    "crashes": (0.0, False),
}


@dataclass
class Ratio:
    hit: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, name: str, why: str = "", *, bad_when: bool = False) -> None:
        """Count one case; `bad_when` is the outcome listed as a miss (False: a non-hit)."""
        self.total += 1
        if ok:
            self.hit += 1
        if ok == bad_when:
            self.misses.append(f"{name}: {why}" if why else name)

    @property
    def value(self) -> float:
        return self.hit / self.total if self.total else 0.0


@dataclass
class Scores:
    ratios: dict[str, Ratio] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def ratio(self, name: str) -> Ratio:
        return self.ratios.setdefault(name, Ratio())

    def figure(self, name: str) -> float:
        return float(len(self.crashes)) if name == "crashes" else self.ratio(name).value


def _fact_for(found: Classified, facts: list[dict[str, Any]]) -> dict[str, Any]:
    """The expected fact about the recipient the classifier reported, else the first one."""
    rcpt = found.bounce.recipient if found.bounce else ""
    for fact in facts:
        if rcpt in (fact["recipient"].lower(), fact.get("alias", "")):
            return fact
    return facts[0]


def score_one(scores: Scores, name: str, spec: dict[str, Any], found: Classified) -> None:
    """Add one classified file to the tallies."""
    want = spec["expect_kind"]
    scores.confusion[(want, found.kind)] += 1
    why = f"got {found.kind}: {'; '.join(found.reasons)[:160]}"
    if want != "bounce":
        ok = found.kind != BOUNCE if want == "not_bounce" else found.kind == want
        scores.ratio("other kinds correct").add(ok, name, why)
        return
    facts: list[dict[str, Any]] = spec.get("facts") or []
    scores.ratio("bounce recall").add(found.kind == BOUNCE, name, why)
    if not facts:
        return
    fact = _fact_for(found, facts)
    b = found.bounce if found.kind == BOUNCE else None
    got = (
        f"got {found.kind} {b.recipient!r} {b.status} {b.reason} perm={b.permanent} "
        f"sender={b.sender_side}"
        if b
        else why
    )
    wanted = f"want {fact['recipient']} {fact['status']} {fact['reason']}"
    # Sisimai reports the final recipient; an alias it was expanded from ("expanded from
    # <...>") is the address we mailed, the one the classifier is asked to name.
    rcpts = {a.lower() for f in facts for a in (f["recipient"], f.get("alias", "")) if a}
    if b is not None:
        scores.ratio("recipient correct").add(b.recipient in rcpts, name, f"{got}; {wanted}")
        code = fact["status"].split(".")
        if len(code) == 3 and not code[2].startswith("9"):  # x.0.9xx: Sisimai's private codes
            scores.ratio("status correct (standard codes)").add(
                b.status == fact["status"], name, f"{got}; {wanted}"
            )
    scores.ratio("Sisimai reason agreement").add(
        b is not None and b.reason == fact["reason"], name, f"{got}; {wanted}"
    )
    suppressed = b is not None and b.permanent
    if fact.get("perm_expected") is True and fact.get("sender_side"):
        # The corpus marks Sisimai's `rejected` (our envelope sender refused) both "suppress"
        # and "sender side"; sender side wins here, and this line shows what that costs.
        scores.ratio("perm_expected but sender-side, suppressed").add(
            suppressed, name, f"{got}; {wanted}", bad_when=True
        )
    if fact.get("sender_side"):
        scores.ratio("sender-side suppressing recipient").add(
            suppressed, name, f"{got}; {wanted}", bad_when=True
        )
        scores.ratio("sender-side flagged").add(
            b is not None and b.sender_side, name, f"{got}; {wanted}"
        )
    elif fact.get("perm_expected") is True:
        scores.ratio("recipient-side permanent suppressed").add(
            suppressed, name, f"{got}; {wanted}"
        )
    elif fact.get("perm_expected") is False:
        scores.ratio("transient not suppressed").add(not suppressed, name, f"{got}; {wanted}")


def run(folder: Path) -> Scores:
    """Classify every file listed in folder/expected.jsonl and score it."""
    scores = Scores()
    lines = (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    for line in lines:
        if not line.strip():
            continue
        spec = json.loads(line)
        name = spec["file"]
        raw = (folder / name).read_bytes()
        try:
            found = parse_and_classify(raw)
        except Exception as exc:
            scores.crashes.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if any(r.startswith("unparsed:") for r in found.reasons):
            scores.crashes.append(f"{name}: {found.reasons[0]}")
        scores.files += 1
        score_one(scores, name, spec, found)
    scores.seconds = time.perf_counter() - started
    return scores


def table(scores: Scores) -> str:
    """The figures, one metric a line, with the target and whether it is met."""
    rows = [f"{'metric':<40} {'figure':>16} {'target':>8}  met"]
    names = [*TARGETS, *(n for n in scores.ratios if n not in TARGETS)]
    for name in names:
        target = TARGETS.get(name)
        if name == "crashes":
            figure = f"{len(scores.crashes)}"
        else:
            r = scores.ratio(name)
            figure = f"{r.hit}/{r.total} {100 * r.value:5.1f}%"
        if target is None:
            rows.append(f"{name:<40} {figure:>16} {'':>8}")
            continue
        bound, at_least = target
        shown = (
            f"{'>=' if at_least else '<='}{bound:g}"
            if name == "crashes"
            else (f"{'>=' if at_least else '<='}{100 * bound:g}%")
        )
        value = scores.figure(name)
        met = value >= bound if at_least else value <= bound
        rows.append(f"{name:<40} {figure:>16} {shown:>8}  {'yes' if met else 'NO'}")
    rate = scores.files / scores.seconds if scores.seconds else 0.0
    rows.append(f"{scores.files} files in {scores.seconds:.2f} s ({rate:,.0f} files/s)")
    return "\n".join(rows)


def unmet(scores: Scores) -> list[str]:
    """Metrics whose target is not met."""
    out = []
    for name, (bound, at_least) in TARGETS.items():
        value = scores.figure(name)
        if not (value >= bound if at_least else value <= bound):
            out.append(name)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--misses", type=int, default=0, help="show up to N misses per metric")
    args = parser.parse_args()
    scores = run(args.folder)
    print(table(scores))
    if args.misses:
        for name, r in scores.ratios.items():
            for miss in r.misses[: args.misses]:
                print(f"  [{name}] {miss}")
        for crash in scores.crashes[: args.misses]:
            print(f"  [crash] {crash}")
    return 1 if unmet(scores) else 0


if __name__ == "__main__":
    sys.exit(main())
