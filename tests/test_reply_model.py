"""The learned second reader: trained on the labelled replies, it only ever sends a reply the
phrases read as a yes to review; it never decides an intent."""

from __future__ import annotations

import math
from email.message import EmailMessage

import pytest

from bench.reply_model import SHIPPED, model_of
from outreach.inbound import parse_and_classify
from outreach.inbound.intent import read_reply
from outreach.inbound.learned import (
    CLASSES,
    Model,
    features,
    second_reading,
    shipped,
    stop_odds,
    train,
)
from outreach.inbound.model import REVIEW_BELOW
from tests.support.reply_corpus import SETS

SMALL = [
    ("Please remove me from your list.", "opt_out"),
    ("Stop emailing me, thanks.", "opt_out"),
    ("今後このようなメールは送らないでください。", "opt_out"),
    ("配信停止をお願いします。", "opt_out"),
    ("Not for me, sorry. I'll pass.", "decline"),
    ("今回は見送らせていただきます。", "decline"),
    ("Sounds great, what's the fee?", "interested"),
    ("ぜひやりたいです!詳細を教えてください。", "interested"),
    ("Please contact my manager at jo@agency.example", "referral"),
]


def test_features_are_english_words_and_pairs_and_japanese_character_runs() -> None:
    got = features("Please REMOVE me。配信停止")
    assert {"w:please", "w:remove", "w:me", "w:please remove", "w:remove me"} <= got
    assert {"c:配信", "c:信停", "c:停止", "c:配信停", "c:信停止"} <= got
    assert not any(f.startswith("c:") and "。" in f for f in got)  # punctuation splits runs


def test_a_trained_model_reads_refusals_and_round_trips_through_json() -> None:
    model = train(SMALL, min_count=1)
    for text in ("Please remove me", "メールは送らないでください"):
        p = model.probabilities(text)
        assert math.isclose(sum(p.values()), 1.0)
        assert p["opt_out"] > 0.5, (text, p)
    assert model.probabilities("what's the fee? sounds great")["other"] > 0.5
    again = Model.from_json(model.to_json())
    for text, _ in SMALL:
        for cls in CLASSES:
            assert math.isclose(
                again.probabilities(text)[cls], model.probabilities(text)[cls], abs_tol=1e-3
            )


def test_a_model_file_with_other_classes_is_refused() -> None:
    with pytest.raises(ValueError, match="classes"):
        Model.from_json('{"classes": ["a", "b"], "prior": {}, "likely": {}}')


def test_the_shipped_model_is_the_one_the_labelled_sets_train() -> None:
    # Regenerate with `python bench/reply_model.py --write` after changing a set.
    assert shipped() is not None
    assert SHIPPED.read_text(encoding="utf-8") == model_of(SETS).to_json() + "\n"


@pytest.mark.parametrize(
    "text",
    [
        "I'd appreciate being left off whatever you send out.",
        "I think my address and your campaigns should part ways now.",
        "こういうメッセージは、もう私の受信箱には要りませんので、よろしくお願いします。",
    ],
)
def test_a_refusal_in_words_no_phrase_knows_goes_to_review(text: str) -> None:
    plain = read_reply(text)
    assert plain.intent == "interested" and plain.confidence >= REVIEW_BELOW  # phrases miss it
    second = second_reading(text, plain)
    assert second.intent == "interested"  # never decided by the model: a person decides
    assert second.confidence < REVIEW_BELOW
    assert "learned model" in second.reasons[-1]

    msg = EmailMessage()
    msg["From"] = "creator@example.jp"
    msg["Subject"] = "Re: Collaboration"
    msg.set_content(text)
    found = parse_and_classify(msg.as_bytes())
    assert (found.kind, found.intent) == ("reply", "interested")
    assert found.confidence < REVIEW_BELOW
    assert any("learned model" in r for r in found.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Love it! What's the fee?",
        "ぜひお受けしたいです。投稿日はいつ頃がよろしいでしょうか?",
        "Please remove the watermark from the photos and I'm in.",
    ],
)
def test_a_yes_is_left_as_it_is(text: str) -> None:
    plain = read_reply(text)
    assert second_reading(text, plain) == plain
    assert stop_odds(text) < 0.9


def test_only_a_confident_yes_is_looked_at() -> None:
    decided = read_reply("Please remove me from your list.")
    assert decided.intent == "opt_out"
    assert second_reading("Please remove me from your list.", decided) is decided
