"""The learned second reader of human replies: how much it adds, measured on sets it never saw.

    python bench/reply_model.py                 # leave each labelled set out in turn
    python bench/reply_model.py --folds 12      # the same in 12 trainings: every 12th set out
    python bench/reply_model.py --write         # train on every set, write the shipped model
    python bench/reply_model.py --blind F.toml  # a new set, before anything is tuned on it

Leaving a set out: the model is trained on the other sets (with --folds K, on the sets outside
its fold, each fold every K-th set: K trainings instead of one per set) and the set is
classified as real mail (`parse_and_classify`). For each stop threshold it prints the refusals
the phrases read as a yes that the model sends to review, and the interested replies it sends
there too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outreach.inbound import learned, parse_and_classify
from outreach.inbound.model import REVIEW_BELOW
from tests.support.reply_corpus import SETS, Case, load, predicted_intent, score

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
SHIPPED = Path(learned.__file__).with_name("reply_model.json")


def model_of(paths: Sequence[Path]) -> learned.Model:
    return learned.train((c.body, c.intent) for p in paths for c in load(p))


@contextmanager
def using(model: learned.Model | None, threshold: float) -> Iterator[list[float]]:
    """Classify with `model` at `threshold`; yields the odds the model gave each reply it read."""
    seen: list[float] = []
    real = learned.stop_odds

    def odds(text: str, m: learned.Model | None = None) -> float:
        seen.append(real(text, m))
        return seen[-1]

    with (
        mock.patch.object(learned, "shipped", lambda: model),
        mock.patch.object(learned, "STOP_ODDS", threshold),
        mock.patch.object(learned, "stop_odds", odds),
    ):
        yield seen


def sweep(cases: Sequence[Case], model: learned.Model) -> dict[float, tuple[int, int, int, int]]:
    """Per threshold: (stops sent to review, stops the phrases missed, interested sent to
    review, interested replies)."""
    rows: list[tuple[str, bool, float]] = []  # intent, missed by the phrases, odds (-1: unread)
    for case in cases:
        with using(None, 1.1):
            plain = parse_and_classify(case.raw())
        with using(model, 0.0) as seen:
            parse_and_classify(case.raw())
        missed = plain.intent == "interested" and plain.confidence >= REVIEW_BELOW
        rows.append((case.intent, missed, seen[-1] if seen else -1.0))
    out = {}
    for t in THRESHOLDS:
        stops = [r for r in rows if r[0] in ("opt_out", "decline") and r[1]]
        liked = [r for r in rows if r[0] == "interested"]
        out[t] = (
            sum(r[2] >= t for r in stops),
            len(stops),
            sum(r[1] and r[2] >= t for r in liked),
            len(liked),
        )
    return out


def alone(cases: Sequence[Case], model: learned.Model) -> list[int]:
    """The model on its own, as if the phrases knew nothing: per threshold, stops (opt-outs and
    declines) it reads as one, of how many, and interested replies it reads as one, of how many."""
    odds = [(c.intent, learned.stop_odds(c.body, model)) for c in cases]
    stops = [o for i, o in odds if i in ("opt_out", "decline")]
    liked = [o for i, o in odds if i == "interested"]
    row = []
    for t in THRESHOLDS:
        row += [sum(o >= t for o in stops), len(stops), sum(o >= t for o in liked), len(liked)]
    return row


def leave_out(folds: int | None = None) -> None:
    """Each set classified by a model that never saw it: trained without that set alone, or
    (`folds`) without its whole fold."""
    groups = [[p] for p in SETS] if folds is None else [list(SETS[i::folds]) for i in range(folds)]
    totals: dict[float, list[int]] = {t: [0, 0, 0, 0] for t in THRESHOLDS}
    own = [0] * (4 * len(THRESHOLDS))
    for group in groups:
        trained = [p for p in SETS if p not in group]
        model = model_of(trained)
        for held in group:
            own = [a + b for a, b in zip(own, alone(load(held), model), strict=True)]
            result = sweep(load(held), model)
            print(f"{held.name}: trained on {len(trained)} other sets")
            for t, row in result.items():
                totals[t] = [a + b for a, b in zip(totals[t], row, strict=True)]
                print(
                    f"  odds >= {t:<5} missed stops to review {row[0]}/{row[1]},"
                    f" interested to review {row[2]}/{row[3]}"
                )
    print("all sets, each left out in turn" + (f" ({folds} folds)" if folds else ""))
    for t, (got, missed, liked, n) in totals.items():
        print(
            f"  odds >= {t:<5} missed stops to review {got}/{missed},"
            f" interested to review {liked}/{n}"
        )
    print("the model alone on each left-out set (as if the phrases knew nothing)")
    for i, t in enumerate(THRESHOLDS):
        got, stops, liked, n = own[4 * i : 4 * i + 4]
        print(
            f"  odds >= {t:<5} stops read as stops {got}/{stops} ({100 * got / stops:.0f} %),"
            f" interested read as stops {liked}/{n}"
        )


def handled(cases: Sequence[Case]) -> str:
    """What became of the opt-outs: caught, held for review, or read as something else."""
    caught = held = 0
    other: dict[str, int] = {}
    wanted = [c for c in cases if c.intent == "opt_out"]
    for case in wanted:
        found = parse_and_classify(case.raw())
        if predicted_intent(found) == "opt_out":
            caught += 1
        elif found.confidence < REVIEW_BELOW:
            held += 1
        else:
            got = predicted_intent(found)
            other[got] = other.get(got, 0) + 1
    rest = ", ".join(f"{k} {n}" for k, n in sorted(other.items())) or "none"
    return (
        f"opt-outs: caught {caught}/{len(wanted)}, held for review {held}"
        f" (caught or held {caught + held}/{len(wanted)}), read as {rest}"
    )


def blind(paths: Sequence[Path]) -> None:
    model = model_of([p for p in SETS if p not in paths])
    for path in paths:
        cases = load(path)
        with using(None, 1.1):
            print(score(cases).table(f"{path.name}, phrases only"))
            print(handled(cases))
        with using(model, learned.STOP_ODDS):
            result = score(cases)
            print(result.table(f"{path.name}, phrases and the model (odds >= {learned.STOP_ODDS})"))
            print(handled(cases))
        for t, row in sweep(cases, model).items():
            print(
                f"  odds >= {t:<5} missed stops to review {row[0]}/{row[1]},"
                f" interested to review {row[2]}/{row[3]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the shipped model")
    parser.add_argument("--blind", nargs="+", type=Path, help="score new sets first")
    parser.add_argument(
        "--folds", type=int, help="leave out every K-th set together: K trainings, not one per set"
    )
    args = parser.parse_args()
    if args.write:
        model = model_of(SETS)
        SHIPPED.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"{SHIPPED}: {len(model.likely)} features, {SHIPPED.stat().st_size:,} bytes")
    elif args.blind:
        blind(args.blind)
    else:
        leave_out(args.folds)


if __name__ == "__main__":
    main()
