"""The reply's own text and what it asks for (opt-out, decline, negations)."""

from __future__ import annotations

import pytest

from outreach.inbound import parse_and_classify
from outreach.inbound.intent import intent_of, normalise
from outreach.inbound.owntext import own_text, takes_our_offer


@pytest.mark.parametrize(
    "text,kind",
    [
        ("今後のご連絡は不要です。", "opt_out"),
        ("今後の連絡は不要です", "opt_out"),
        ("配信を停止してください", "opt_out"),
        ("もうメールを送らないでください", "opt_out"),
        ("Please unsubscribe me.", "opt_out"),
        ("Please stop emailing me", "opt_out"),
        ("I'd like to opt out", "opt_out"),
        ("REMOVE ME", "opt_out"),
        ("配信停止はしないでください、引き続き情報ください", ""),
        ("配信停止は不要です。引き続きよろしくお願いします", ""),
        ("Please don't remove me from the list", ""),
        ("Don't unsubscribe me, I love these", ""),
        ("今回は見送らせていただきます", "decline"),
        ("辞退いたします", "decline"),
        ("今回はお断りさせてください", "decline"),
        ("Not interested, thanks", "decline"),
        ("No thanks!", "decline"),
        ("I'll pass on this one", "decline"),
        ("Sorry, it's not a fit", "decline"),
        ("結構です", "decline"),  # 'no thank you' or 'that is fine': a decline a person confirms
        ("配信解除をお願いします", "opt_out"),
        ("配信停止希望", "opt_out"),
        ("Please don't email me again", "opt_out"),
        ("Do not contact me.", "opt_out"),
        ("I don't want to unsubscribe", ""),
        ("資料を送ります。受領のご連絡は不要です。", ""),
        ("ご遠慮なくご連絡ください", ""),
        ("誠に恐縮ですが、今回は遠慮させていただきます", "decline"),
        ("その条件ではお引き受けできかねます", "decline"),
        ("I'll pass this on to my manager", ""),
        ("I'll pass on this to my manager", ""),
        ("Thanks, but I'll pass.", "decline"),
        ("We are no longer interested", "decline"),
        ("I have to decline this time", "decline"),
        ("ありがとうございます。ぜひお願いします", ""),
    ],
)
def test_intent(text: str, kind: str) -> None:
    assert intent_of(text).kind == kind


def test_negated_phrase_is_reported_for_review() -> None:
    found = intent_of("配信停止はしないでください")
    assert any("negated" in r for r in found.reasons)


@pytest.mark.parametrize(
    "body,kept,dropped",
    [
        (
            "ぜひ！\n\n2026年11月20日(金) 10:00 山田 <yamada@example.jp>:\n> 配信停止をご希望の方は…",
            "ぜひ！",
            "配信停止",
        ),
        (
            "了解です\n\n-----Original Message-----\nFrom: a\n配信停止: https://x",
            "了解です",
            "Original",
        ),
        (
            "OK\n\nOn Fri, Nov 20, 2026 at 10:00 AM Shop <a@b.example> wrote:\n> unsubscribe",
            "OK",
            "wrote",
        ),
        ("はい\n> 引用\n> 配信停止", "はい", "引用"),
        (
            "はい\n差出人: Shop <a@b.example>\n送信日時: 2026年11月20日\n件名: ご相談\n配信停止",
            "はい",
            "差出人",
        ),
        ("Thanks\nhttps://brand.example/unsubscribe/abc", "Thanks", "unsubscribe"),
    ],
)
def test_own_text_strips_quotes_and_footer(body: str, kept: str, dropped: str) -> None:
    text = own_text(body)
    assert kept in text and dropped not in text, text


def test_bottom_posted_reply_keeps_its_own_words() -> None:
    body = "On Fri, Nov 20, 2026 at 10:00 AM Shop <a@b.example> wrote:\n> Our pitch\n> To unsubscribe…\n\nPlease unsubscribe me."
    assert own_text(body) == "Please unsubscribe me."
    assert intent_of(own_text(body)).kind == "opt_out"


@pytest.mark.parametrize(
    ("body", "own"),
    [
        # New words below the sender's earlier mail, pasted with its attribution line.
        (
            "先月お断りしたはずです。\n\n> 2026/11/26 rei <rei@example.jp>:\n> 今回は見送らせてください。"
            "\n\nそれなのに再送が続いていますね。今後送らないでください。",
            "先月お断りしたはずです。\n\n\nそれなのに再送が続いていますね。今後送らないでください。",
        ),
        (
            "On Dec 2 I wrote:\n> No thanks, not for me.\n\nOn Dec 9 you wrote:\n> Just bumping "
            "this!\n\nAnd now follow-up number three. Remove me from whatever list this is.",
            "And now follow-up number three. Remove me from whatever list this is.",
        ),
        # The sender's own lead-in to the quote stays theirs.
        (
            "Hi Hana, funny timing. Last year I told you:\n> not for me\n\nBut my skin has "
            "changed. Is the offer still open?",
            "Hi Hana, funny timing. Last year I told you:\n\nBut my skin has changed. Is the "
            "offer still open?",
        ),
        # Their own earlier mail pasted below a rule that names it.
        (
            "すみません、やはり今後のご連絡は控えていただけますでしょうか。\n\n"
            "--- 12月3日に私が送ったメール ---\nサンプルぜひ試してみたいです。",
            "すみません、やはり今後のご連絡は控えていただけますでしょうか。",
        ),
        (
            "Back soon!\n\n-- this is an automated message --",
            "Back soon!\n\n-- this is an automated message --",
        ),
        # Nothing of theirs below the quote; a message pasted whole under a header stays out.
        ("はい\n> 引用\n> 配信停止", "はい"),
        (
            "Yes!\n> earlier\nMore of mine.\n\n-----Original Message-----\nFrom: a\nunsubscribe",
            "Yes!\nMore of mine.",
        ),
    ],
)
def test_words_between_and_below_quoted_blocks_are_the_senders(body: str, own: str) -> None:
    assert own_text(body) == own


@pytest.mark.parametrize(
    ("body", "offer"),
    [
        (
            "> If you would rather not hear from us again\n\nI would rather not, yes. Cheers.\n",
            "If you would rather not hear from us again",
        ),
        (
            "> このメールに「配信停止」とご返信いただいても承ります\n\nでは、そのようにお願いします。\n",
            "このメールに「配信停止」とご返信いただいても承ります",
        ),
        # A short answer below the quoted line: 「こちらで」, "I would rather" (not hear from us).
        (
            "> 配信停止：https://hanamilabs.jp/u/Zx81kQ\n\nこちらでお願いします。\n"
            "リンク先がうまく開けなかったので、返信で失礼します。\n",
            "配信停止：https://hanamilabs.jp/u/Zx81kQ",
        ),
        (
            "> If you would rather not hear from us again, you can opt out at any time:\n\n"
            "I would rather.\n",
            "If you would rather not hear from us again, you can opt out at any time:",
        ),
        # A yes below another quoted line, a no below ours, our footer in the history below
        # the sender's own words: none answers the offer.
        ("> Would you post in January?\n\nYes, please.\n", ""),
        ("> If you would rather not hear from us again\n\nNo way, send it over!\n", ""),
        ("Yes please!\n\n> If you would rather not hear from us again\n", ""),
        # Not needed, below an offer that asks whether it is needed.
        (
            "> 今後このようなご案内が不要でしたら、\n> お手数ですが下記から配信停止をお申し付けください。"
            "\n\n不要です。\n",
            "お手数ですが下記から配信停止をお申し付けください。",
        ),
        # "Not unneeded!": a no to the offer to stop.
        (
            "> 今後このようなご案内が不要でしたら、\n不要じゃないです！むしろ嬉しいです😊\n\n"
            "> この度、新商品「桜ナイトセラム」のPR投稿をご相談できればと思いご連絡いたしました。\n"
            "ぜひ詳しく教えてください。\n",
            "",
        ),
        (
            "> 今後このようなご案内が不要でしたら、\n> お手数ですが下記から配信停止をお申し付けください。"
            "\n\n不要だなんてとんでもないです！笑\nちょうど夜用の美容液を探していたところでした。\n",
            "",
        ),
    ],
)
def test_a_yes_right_below_our_quoted_offer_to_stop_is_taking_it(body: str, offer: str) -> None:
    assert takes_our_offer(body) == offer
    raw = f"From: a@example.jp\nSubject: Re: x\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    found = parse_and_classify(raw.encode())
    assert (found.kind == "opt_out") == bool(offer), found.reasons


def test_a_wrapped_line_is_joined_but_not_across_a_blank_line() -> None:
    assert normalise("今後はご連絡を\nお控えください") == "今後はご連絡をお控えください"
    assert normalise("please remove both our roster and\n  this agency") == (
        "please remove both our roster and this agency"
    )
    assert normalise("停止で\n\n \nみな様\nはじめまして") == "停止で\nみな様\nはじめまして"
    # A one-word stop with the pitch pasted below it, no quote marks.
    raw = "From: a@example.jp\nSubject: Re: x\nContent-Type: text/plain; charset=utf-8\n\n"
    raw += "停止で\n\nみな様\n\nはじめまして、はなみラボの桜井と申します。\n"
    assert parse_and_classify(raw.encode()).kind == "opt_out"
