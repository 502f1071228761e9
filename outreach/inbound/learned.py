"""A second reader for human replies: word and character n-gram odds learned from labelled
replies, used only to send a reply the phrases read as a yes to a person when it reads like a
refusal. It never decides an intent on its own.

The phrase data (phrases.toml) says exactly why it reads a reply as it does, but it only knows
the forms written into it; a refusal in other words ("I'd appreciate being left off whatever
list this is") reads as a yes. The model has seen hundreds of refusals and knows their
vocabulary, not their grammar: it cannot tell "please remove me" from "I didn't ask you to
remove me", so it is only trusted to ask for review, never to suppress anybody.

The model is a binarised multinomial naive Bayes (each feature counted once per reply), which
is strong on short texts (Wang and Manning, "Baselines and Bigrams", ACL 2012). Features:
English words and word pairs, and runs of two and three characters of any other script
(Japanese has no spaces to split words on). Prediction is a sum of stored log-odds, so the
model is a JSON table and needs no numeric library; it is trained by `bench/reply_model.py`.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from outreach.inbound.intent import OVERRIDES, Reading, normalise
from outreach.inbound.model import INTERESTED, REVIEW_BELOW

#: The classes the model tells apart: a stop request, a no to this offer, anything else.
CLASSES = ("opt_out", "decline", "other")
_LATIN = re.compile(r"[a-z][a-z']*")
_OTHER = re.compile(r"[^\x00-\x7f\s、。，．！？!?・「」『』（）()\[\]【】…ー〜~]+")
_MODEL = "reply_model.json"
#: From these odds of a stop (opt-out or decline) on, a reply the phrases read as a yes with no
#: sign of interest goes to review. On new blind sets (`python bench/reply_model.py --blind`)
#: any threshold from 0.5 to 0.95 held about the same share of the refusals the phrases missed;
#: with each labelled set left out of training in turn (`python bench/reply_model.py`), 0.9
#: sends about one interested reply in a hundred to review.
STOP_ODDS = 0.9


def features(text: str) -> set[str]:
    """The features of a reply's own words: English words and adjacent word pairs, and every
    two- and three-character run of other scripts, each once."""
    text = normalise(text)
    out: set[str] = set()
    words = _LATIN.findall(text)
    out.update(f"w:{w}" for w in words)
    out.update(f"w:{a} {b}" for a, b in itertools.pairwise(words))
    for run in _OTHER.findall(text):
        for n in (2, 3):
            out.update(f"c:{run[i : i + n]}" for i in range(len(run) - n + 1))
    return out


@dataclass(frozen=True)
class Model:
    """Log prior and log likelihood per class, for the features seen in training."""

    prior: dict[str, float]
    likely: dict[str, dict[str, float]]  # feature -> class -> log P(feature | class)

    def probabilities(self, text: str) -> dict[str, float]:
        """P(class | text) for each class; features never seen in training are ignored."""
        score = dict(self.prior)
        for f in features(text):
            row = self.likely.get(f)
            if row:
                for c in CLASSES:
                    score[c] += row[c]
        top = max(score.values())
        odds = {c: math.exp(s - top) for c, s in score.items()}
        total = sum(odds.values())
        return {c: odds[c] / total for c in CLASSES}

    def to_json(self) -> str:
        rows = {f: [round(row[c], 3) for c in CLASSES] for f, row in sorted(self.likely.items())}
        return json.dumps(
            {"classes": CLASSES, "prior": self.prior, "likely": rows},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        classes = tuple(data["classes"])
        if classes != CLASSES:
            raise ValueError(f"model classes {classes} are not {CLASSES}")
        likely = {
            f: dict(zip(CLASSES, values, strict=True)) for f, values in data["likely"].items()
        }
        return cls({c: float(data["prior"][c]) for c in CLASSES}, likely)


def class_of(intent: str) -> str:
    """The model's class of a labelled intent: referral and interested are both "other"."""
    return intent if intent in ("opt_out", "decline") else "other"


def train(examples: Iterable[tuple[str, str]], *, min_count: int = 2, alpha: float = 0.5) -> Model:
    """A model from (own text, intent) pairs. Features seen in fewer than `min_count` replies
    are dropped (a name, a product); `alpha` is the additive smoothing."""
    docs: list[tuple[set[str], str]] = [(features(t), class_of(i)) for t, i in examples]
    seen = Counter(f for fs, _ in docs for f in fs)
    vocab = sorted(f for f, n in seen.items() if n >= min_count)
    per_class = {c: Counter[str]() for c in CLASSES}
    replies = Counter(c for _, c in docs)
    for fs, c in docs:
        per_class[c].update(f for f in fs if seen[f] >= min_count)
    prior = {c: math.log((replies[c] + 1) / (len(docs) + len(CLASSES))) for c in CLASSES}
    likely: dict[str, dict[str, float]] = {f: {} for f in vocab}
    for c in CLASSES:
        total = sum(per_class[c].values()) + alpha * len(vocab)
        for f in vocab:
            likely[f][c] = math.log((per_class[c][f] + alpha) / total)
    return Model(prior, likely)


@lru_cache(maxsize=1)
def shipped() -> Model | None:
    """The model shipped with the package, or None where there is none."""
    path = resources.files("outreach.inbound").joinpath(_MODEL)
    if not path.is_file():
        return None
    return Model.from_json(path.read_text("utf-8"))


def stop_odds(text: str, model: Model | None = None) -> float:
    """How much the reply reads like an opt-out or a decline to the model, 0..1 (0 with no
    model)."""
    model = model or shipped()
    if model is None or not text.strip():
        return 0.0
    p = model.probabilities(text)
    return p["opt_out"] + p["decline"]


def top_features(model: Model, text: str, cls: str, n: int = 3) -> Sequence[str]:
    """The features of `text` that speak most for `cls`, for a reason a person can read."""
    others = [c for c in CLASSES if c != cls]
    lift = []
    for f in features(text):
        row = model.likely.get(f)
        if row:
            lift.append((row[cls] - max(row[c] for c in others), f.split(":", 1)[1]))
    return [f for gain, f in sorted(lift, reverse=True)[:n] if gain > 0]


def second_reading(text: str, reading: Reading, model: Model | None = None) -> Reading:
    """`reading`, sent to review when the phrases read a yes with no sign of interest and the
    model reads a refusal. Any other reading is returned as it is."""
    if (
        reading.intent != INTERESTED
        or reading.confidence < REVIEW_BELOW
        or reading.interest >= OVERRIDES
    ):
        return reading
    model = model or shipped()
    if model is None:
        return reading
    odds = stop_odds(text, model)
    if odds < STOP_ODDS:
        return reading
    cls = "opt_out" if model.probabilities(text)["opt_out"] * 2 >= odds else "decline"
    words = ", ".join(repr(w) for w in top_features(model, text, cls))
    like = "an opt-out" if cls == "opt_out" else "a decline"
    why = f"reads like {like} to the learned model ({odds:.2f}; {words}): a person decides"
    return Reading(
        reading.intent,
        min(reading.confidence, round(REVIEW_BELOW - 0.05, 2)),
        reading.referred_to,
        (*reading.reasons, why),
        reading.interest,
    )
