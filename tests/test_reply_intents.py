"""What people write back: intents, referral addresses, return dates and confidence, measured
on the labelled replies in tests/data/replies/ (run with -s to see the tables)."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.errors import InputError
from outreach.inbound import parse_and_classify, return_date
from outreach.inbound.intent import load_phrasebook, normalise, read_reply
from outreach.inbound.model import REVIEW_BELOW
from outreach.inbound.owntext import own_text
from tests.support.reply_corpus import (
    HELD_OUT,
    LABELLED,
    SETS,
    Case,
    Score,
    load,
    predicted_intent,
    score,
)

HELD_OUT2 = HELD_OUT.with_name("heldout2.toml")
HELD_OUT3 = HELD_OUT.with_name("heldout3.toml")
HELD_OUT4 = HELD_OUT.with_name("heldout4.toml")
HELD_OUT5 = HELD_OUT.with_name("heldout5.toml")
LABELLED2 = LABELLED.with_name("labelled2.toml")
HELD_OUT6 = HELD_OUT.with_name("heldout6.toml")


def _meets_targets(result: Score) -> None:
    assert result.recall("opt_out") >= 0.95
    assert result.recall("decline") >= 0.85
    assert result.referral_right / result.referral_total >= 0.80
    assert result.recall("auto_reply") >= 0.90
    if result.return_total:  # a set with out-of-office replies that state a return date
        assert result.return_right / result.return_total >= 0.85
    assert result.interested_as("opt_out") == 0
    assert result.interested_as("decline") == 0


def test_the_labelled_set_is_what_it_claims() -> None:
    cases = load(LABELLED)
    assert len(cases) >= 150
    assert sum(c.lang == "ja" for c in cases) >= 90
    assert len({c.id for c in cases}) == len(cases)
    assert {c.intent for c in cases} == {
        "opt_out",
        "decline",
        "referral",
        "auto_reply",
        "interested",
    }
    held = load(HELD_OUT)
    assert len(held) == 30 and not {c.id for c in held} & {c.id for c in cases}
    held2 = load(HELD_OUT2)
    assert len(held2) == 40 and sum(c.lang == "ja" for c in held2) >= 25
    assert not {c.id for c in held2} & {c.id for c in cases + held}
    held3 = load(HELD_OUT3)
    assert len(held3) == 45 and sum(c.lang == "ja" for c in held3) >= 22
    assert not {c.id for c in held3} & {c.id for c in cases + held + held2}
    held4 = load(HELD_OUT4)
    assert len(held4) == 70 and sum(c.lang == "ja" for c in held4) >= 35
    assert not {c.id for c in held4} & {c.id for c in cases + held + held2 + held3}
    held5 = load(HELD_OUT5)
    assert len(held5) == 80 and sum(c.lang == "ja" for c in held5) >= 40
    assert not {c.id for c in held5} & {c.id for c in cases + held + held2 + held3 + held4}
    second = load(LABELLED2)
    assert len(second) == 200 and sum(c.intent == "opt_out" for c in second) == 110
    assert not {c.id for c in second} & {c.id for c in cases + held + held2 + held3 + held4 + held5}
    held6 = load(HELD_OUT6)
    assert len(held6) == 90 and sum(c.lang == "ja" for c in held6) >= 45
    earlier = cases + held + held2 + held3 + held4 + held5 + second
    assert not {c.id for c in held6} & {c.id for c in earlier}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_set_meets_the_targets(path: Path) -> None:
    result = score(load(path))
    print("\n" + result.table(f"tests/data/replies/{path.name}"))
    _meets_targets(result)


def test_a_studio_that_reopens_on_a_day_month_date() -> None:
    text = "Our studio is closed from 24 December and reopens on Monday 4 January."
    found = return_date(text, date(2026, 12, 23))
    assert found is not None and found.day == date(2027, 1, 4)


def test_a_numeric_japanese_range_skips_the_new_year_closure() -> None:
    # 12/21〜12/30まで: back on the first business day after the 12/29-1/3 closure.
    found = return_date("誠に勝手ながら、12/21〜12/30まで不在にしております。", date(2026, 12, 21))
    assert found is not None and found.day == date(2027, 1, 4)


def test_a_weekday_and_date_after_a_line_break_are_one_return_date() -> None:
    text = "I'll be back in the office\non Monday, December 28. Replies will be delayed."
    found = return_date(text, date(2026, 12, 18))
    assert found is not None and found.day == date(2026, 12, 28)


def test_every_phrase_example_matches_its_own_pattern() -> None:
    book = load_phrasebook()
    assert len(book.phrases) > 50
    for phrase in book.phrases:
        assert phrase.example, phrase.source
        assert phrase.pattern.search(normalise(phrase.example)), (phrase.source, phrase.example)


@pytest.mark.parametrize(
    "text,intent",
    [
        ("今後このようなメールは送らないでください。", "opt_out"),
        ("大変恐縮ですが、営業メールはお断りしております。", "opt_out"),
        ("今後のご連絡はお控えください。", "opt_out"),
        ("こういったご案内はご遠慮ください", "opt_out"),
        ("お手数ですが、リストから削除をお願いします", "opt_out"),
        ("How did you get my address?", "opt_out"),
        ("Please remove me.", "opt_out"),
        ("お断りするわけではありません。1月でもよいですか?", "interested"),
        ("I don't want to unsubscribe, just busy this month.", "interested"),
        ("配信停止のリンクを押しかけましたが、気になってきました", "interested"),
        ("サンプルは平日以外は送らないでください。ぜひやらせてください", "interested"),
        ("何かあれば遠慮なくご連絡ください", "interested"),
        ("Not interested in a feed post, but I'd love to do a TikTok instead", "interested"),
        ("今回は見送らせていただきます", "decline"),
        ("社内で検討しましたが、今回はご期待に沿いかねる結果となりました", "decline"),
        ("I'll have to say no for now.", "decline"),
        ("I'll pass this along to my partner, sounds fun!", "interested"),
        ("Keen! But stop sending samples to my old address, I moved.", "interested"),
        ("ぜひ!ただ、顔出しはご遠慮させていただきたいです", "interested"),
        ("今回は見送ります。またぜひ!", "decline"),
        ("このアドレスへの送信は今後お止めください", "opt_out"),
        ("配信停止のリンクを押しても止まりません", "opt_out"),
        ("Your unsubscribe link is broken, I still get these.", "opt_out"),
        ("Can I opt out of the whitelisting part?", "interested"),
        ("Feel free to decline if the rate is too high, but my rate is $800.", "interested"),
        # An English keyword inside a Japanese sentence: a word boundary before で.
        ("unsubscribeでお願いします", "opt_out"),
        # A one-letter slip in a long keyword; a real word near it is left alone.
        ("pls unsubscibe me from this", "opt_out"),
        ("I unsubscribed from your newsletter ages ago but this collab sounds fun!", "interested"),
        # Our footer's link named in quotes is a mention, not a request.
        ("「配信停止」リンクを押しそうになりました笑 とても興味があります!", "interested"),
        # A yes put off to another time or another product keeps the refusal of this one (a
        # decline is "now or for this product"); a yes on other terms for this one is interest.
        ("今回は見送らせてください。また別の商品のときにぜひ!", "decline"),
        ("I'll pass this time. Maybe next time, happy to!", "decline"),
        ("今回は見送らせてください。でも別の商品でしたらぜひ!", "decline"),
        (
            "Not doing any skincare partnerships this year, sorry! Happy to hear about other stuff!",
            "decline",
        ),
        ("12月は難しいのですが、1月なら可能です。", "interested"),
        # A manager who says who they are and declines declines for the talent.
        (
            "弊社所属タレントへのご提案をありがとうございました。"
            "社内で検討いたしましたが、今回は見送らせていただきます。",
            "decline",
        ),
    ],
)
def test_intent_of_one_sentence(text: str, intent: str) -> None:
    assert read_reply(text).intent == intent


def test_our_footer_quoted_below_an_empty_reply_triggers_nothing_and_asks_for_review() -> None:
    case = Case(
        id="empty",
        lang="ja",
        subject="Re: ご相談",
        body="",
        intent="interested",
        quote="ja",
        sender="mina@example.jp",
    )
    found = parse_and_classify(case.raw())
    assert (found.kind, found.intent) == ("reply", "interested")
    assert found.confidence < REVIEW_BELOW
    assert "配信停止" not in found.text


@pytest.mark.parametrize(
    "text,sender,expected",
    [
        (
            "お仕事の件は事務所までお願いします。MAIL:casting＠nijiiro.jp",
            "a@b.jp",
            "casting@nijiiro.jp",
        ),
        (
            "All requests go through my agency: brand [at] sky-talent [dot] com",
            "a@b.jp",
            "brand@sky-talent.com",
        ),
        ("マネージャー:加藤 kato@prism.jp\n──\nみな\nmina@gmail.com", "a@b.jp", "kato@prism.jp"),
        ("弊社所属の高橋の件、弊社にて対応いたします。", "ito@lumiere.co.jp", "ito@lumiere.co.jp"),
        ("所属事務所の問い合わせフォームからお願いします", "a@b.jp", ""),
        # A predecessor's address is not where to write; the sender names their own.
        (
            "前任の鈴木（suzuki@example.co.jp）は先月末で退職いたしました。今後のご連絡は、"
            "私 高橋（takahashi@example.co.jp）宛にお願いいたします。",
            "takahashi@example.co.jp",
            "takahashi@example.co.jp",
        ),
        # A colleague copied for shipping does not take over from the one who stays the contact.
        (
            "Ivy's in! I've added my colleague Rosa (rosa@willow.example.com) on cc - she "
            "coordinates shipping. I'll stay your main contact for everything else.",
            "nadia@willow.example.com",
            "nadia@willow.example.com",
        ),
        # An address written right after Japanese text is still an address.
        ("PRのご相談はpr-contact@example.jpまでお願いします〜", "a@b.jp", "pr-contact@example.jp"),
        # The address in a confidentiality notice points nowhere.
        (
            "Please send all enquiries to partnerships@meridian.example.com so they can be "
            "logged.\n\nCONFIDENTIALITY NOTICE: If you are not the intended recipient, please "
            "contact postmaster@meridian.example.com and delete this message.",
            "julia@meridian.example.com",
            "partnerships@meridian.example.com",
        ),
        # Her sister is her manager: a referral to someone else, whose address is not given.
        (
            "お仕事の件は妹がマネージャーをしてくれているので、そちらとお話ししてもらえますか？\n"
            "連絡先はインスタのプロフィール欄に載せてあります🙏",
            "nanami@example.jp",
            "",
        ),
        # An agency writing from the talent's inbox, saying not to write there: no address.
        (
            "I work for the agency that represents Noor - she forwarded me your message. Please "
            "route any offers through our agency rather than her personal inbox.",
            "noor@example.com",
            "",
        ),
        # A parent who asks that contracts and mail go to her, and not to the minor directly.
        (
            "遠藤ひなたの母でございます。娘はまだ未成年のため、今後のご連絡や契約書類はすべて母である私（このアドレス）宛にお送りいただけますでしょうか。娘へ直接のご連絡はご遠慮ください。",
            "kazumi.endo@example.ne.jp",
            "kazumi.endo@example.ne.jp",
        ),
        # A group member naming the one who handles the work, with his address.
        (
            "メンバーで相談したいので、リーダーのけんた宛にも送っていただけますか。\nkenta.hoshizora@example.com\n\nお仕事のやりとりは基本的にけんたがまとめています。",
            "yuki@example.jp",
            "kenta.hoshizora@example.com",
        ),
        # "Don't send brand stuff here" beside her own collab inbox is where to write, not a stop.
        (
            "This is my personal inbox, so please don't send brand stuff here. I'd love to hear more though. Could you resend everything to kira.collabs@example.com? That's where I handle all partnerships.",
            "kira.james@example.com",
            "kira.collabs@example.com",
        ),
        # An agency taking the matter over from its talent: 「本件は弊社にてお預かりし」.
        (
            "インフルエンサー「なつき」のPR業務を代行しております、サンフラワーPRの吉田と申します。\n恐れ入りますが、本件は弊社にてお預かりし、以降のご連絡・お見積もりは私、吉田宛にお願いいたします。",
            "yoshida@sunflower-pr.example",
            "yoshida@sunflower-pr.example",
        ),
        # The new contact named as new, the old one set against it after the address.
        (
            "弊社タレントの担当者が変更となりました。今後は新担当 sato@reiwa-creators.example 宛にご連絡をお願いいたします(旧担当宛は×)。",
            "info@reiwa-creators.example",
            "sato@reiwa-creators.example",
        ),
        (
            "I've moved to a new management company, so Jess (jess@starlingmgmt.example) doesn't represent me anymore. Please send brand opportunities to partnerships@lumen-talent.example.",
            "daisy@example.com",
            "partnerships@lumen-talent.example",
        ),
        (
            "We look after all of Jade's commercial partnerships, so please direct everything to this inbox from now on rather than her personal email.\n\nSam Ortiz\nCoral Reef Talent\nbookings@coralreeftalent.example",
            "bookings@coralreeftalent.example",
            "bookings@coralreeftalent.example",
        ),
        (
            "Nurul here, Aisyah's PA. She's asked me to handle this one, please reply to me on this email from now on, not to her personal account.",
            "nurul.pa@example.com",
            "nurul.pa@example.com",
        ),
        (
            "Please don't send work emails to this address, it's my personal one. Send the serum details to team@tqstudio.example and my assistant will get back to you.",
            "taylor.quinn@example.com",
            "team@tqstudio.example",
        ),
        # "Update your records" that a new agency asks, with where to send from now on: no stop.
        (
            "Bloom House took over management of @dewdropdiaries (Clara Yeo) as of this month. Please update your records and send all collaboration requests for Clara to this address going forward.\n\nPartnerships Team\nBloom House\npartnerships@bloomhouse.example",
            "partnerships@bloomhouse.example",
            "partnerships@bloomhouse.example",
        ),
    ],
)
def test_referral_address(text: str, sender: str, expected: str) -> None:
    found = read_reply(text, sender=sender)
    assert (found.intent, found.referred_to) == ("referral", expected)


def test_a_manager_copied_in_is_the_referral_address() -> None:
    found = read_reply(
        "マネージャーの山田をCCに入れました。", sender="a@b.jp", cc=["yamada@ks.example", "a@b.jp"]
    )
    assert (found.intent, found.referred_to) == ("referral", "yamada@ks.example")


@pytest.mark.parametrize(
    ("body", "to"),
    [
        (
            "マネージャーの佐藤に転送しました。以降のやり取りは佐藤とお願いします！\n\n"
            "---------- Forwarded message ---------\nFrom: あやか <ayaka.trip@example.jp>\n"
            "Date: 2026年12月9日(水) 11:02\nSubject: Fwd: ご相談\n"
            "To: 佐藤 健 <sato.k@luminous.example>\n"
            "Cc: ルミナス キャスティング <casting@luminous.example>\n",
            "sato.k@luminous.example",
        ),
        (
            "Forwarding to my agency so they can take it from here. Please reply to the talent "
            "inbox below rather than me.\n\n---------- Forwarded message ---------\n"
            "From: Milo Reyes <ayaka.trip@example.jp>\nSubject: Fwd: Sakura Night Serum\n"
            "To: Wavecrest Talent <talent@wavecrest.example>\n"
            "Cc: Sam Ortiz <sam.ortiz@wavecrest.example>\n",
            "talent@wavecrest.example",
        ),
    ],
)
def test_a_referral_to_whom_the_pitch_was_forwarded_below(body: str, to: str) -> None:
    raw = (
        "From: ayaka.trip@example.jp\nTo: hana@hanamilabs.jp\nSubject: Re: x\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    )
    found = parse_and_classify(raw.encode())
    assert (found.intent, found.referred_to) == ("referral", to), found.reasons


def test_a_refusal_then_a_yes_is_interested_and_needs_review() -> None:
    found = read_reply("この条項は辞退したいです。そこを外していただければお受けいたします。")
    assert found.intent == "interested" and found.confidence < REVIEW_BELOW


@pytest.mark.parametrize(
    "text",
    [
        "Unsubscribe my work address please. I'd love to do this from my personal one, tell me more!",
        "古いアドレスは配信停止でお願いします。今回のご提案は面白そうなので、詳細を教えてください!",
    ],
)
def test_a_stop_then_a_yes_is_never_an_opt_out_and_needs_review(text: str) -> None:
    # Suppressing someone who said yes is the costlier mistake: a person decides.
    found = read_reply(text)
    assert found.intent == "interested" and found.confidence < REVIEW_BELOW
    assert "asks to stop, then says yes: a person decides" in found.reasons


def test_a_clear_opt_out_is_confident() -> None:
    found = read_reply("今後このようなメールは送らないでください。")
    assert found.intent == "opt_out" and found.confidence >= 0.9
    assert any("送らないで" in r for r in found.reasons)


def test_a_new_phrase_form_is_data(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parent.parent / "outreach" / "inbound" / "phrases.toml"
    text = shipped.read_text(encoding="utf-8")
    # An archaic form no shipped phrase knows: "no more letters are needed".
    extra = "\n[[opt_out]]\nre = '文は要らぬ'\nweight = 0.9\nexample = \"もはや文は要らぬ\"\n"
    path = tmp_path / "phrases.toml"
    path.write_text(text + extra, encoding="utf-8")
    assert read_reply("もはや文は要らぬ。").intent == "interested"
    assert read_reply("もはや文は要らぬ。", book=load_phrasebook(path)).intent == "opt_out"


def test_a_broken_phrase_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "phrases.toml"
    path.write_text("[[decline]]\nre = 'a('\nweight = 0.9\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"decline\[1\]: not a regular expression"):
        load_phrasebook(path)
    path.write_text("[[decline]]\nre = 'a'\nweight = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"decline\[1\]: weight 3.0 is not in"):
        load_phrasebook(path)
    # A misspelt group is named, not read as nothing.
    path.write_text("[[declines]]\nre = 'a'\nweight = 0.9\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"declines: unknown table \[declines\]"):
        load_phrasebook(path)


def test_tomorrow_as_the_start_of_an_absence_is_no_return_date() -> None:
    assert return_date("明日から1週間休みます", date(2026, 12, 10)) is None


def test_cli_json_shows_intent_referral_confidence_and_needs_review(tmp_path: Path) -> None:
    cases = {
        "referral.eml": Case(
            id="r",
            lang="en",
            subject="Re: Paid collab",
            sender="m@x.com",
            body="All my deals go through my agency: deals@north.agency",
            intent="referral",
            quote="gmail",
        ),
        "unsure.eml": Case(
            id="u",
            lang="ja",
            subject="Re: ご相談",
            sender="a@b.jp",
            body="この条項は辞退したいです。外していただければお受けいたします。",
            intent="interested",
            quote="ja",
        ),
    }
    for name, case in cases.items():
        (tmp_path / name).write_bytes(case.raw())
    result = CliRunner().invoke(
        cli,
        ["inbox", "classify", *[str(tmp_path / n) for n in cases], "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["kind"], r["classified_as"], r["intent"], r["referred_to"]) for r in rows] == [
        ("reply", "reply", "referral", "deals@north.agency"),
        ("needs_review", "reply", "interested", None),
    ]
    assert rows[0]["confidence"] >= REVIEW_BELOW > rows[1]["confidence"]


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 80000,
        " \n" * 70000,
        "a (at) b " * 6000,
        "?が、" * 20000,
        "配信" * 30000,
        "don't " * 10000 + "unsubscribe",
        "-----\n" * 10000,
    ],
    ids=[
        "blank-lines",
        "blank-runs",
        "at-spelt-out",
        "many-turns",
        "phrase-prefixes",
        "negations",
        "rule-lines",
    ],
)
def test_hostile_own_text_is_read_quickly(text: str) -> None:
    # A guard against catastrophic backtracking, not a speed target: a pattern that is
    # quadratic on these inputs takes minutes, a linear one under a second, so the bound is
    # loose enough that a loaded machine cannot fail it.
    # CPU time of this process: the bound is on the work done, which other processes sharing the
    # machine (the suite's parallel workers) cannot stretch as they stretch wall-clock time.
    started = time.process_time()
    read_reply(own_text(text))
    read_reply(text)
    assert time.process_time() - started < 10


def _plain(case: Case) -> Case:
    """The case with no auto-reply header and an ordinary Re: subject."""
    return Case(
        id=case.id,
        lang=case.lang,
        subject="Re: ご相談" if case.lang == "ja" else "Re: x",
        body=case.body,
        intent=case.intent,
        sender=case.sender,
        received=case.received,
    )


def test_out_of_office_without_headers_or_subject_is_found_from_its_words() -> None:
    cases = [c for c in load(LABELLED) if c.intent == "auto_reply"]
    caught = [c.id for c in cases if parse_and_classify(_plain(c).raw()).kind == "auto_reply"]
    assert len(caught) >= len(cases) - 1, sorted({c.id for c in cases} - set(caught))


@pytest.mark.parametrize(
    "body,intent",
    [
        ("12月28日〜1月5日はお休みです。その後でしたら対応できます!", "interested"),
        ("I'm on holiday until January 5. Could we talk after that?", "interested"),
        ("年末年始(12/26〜1/4)はお休みなので、今回は見送らせてください。", "decline"),
        (
            "Hi Hana,\n\nI'm on maternity leave from content until the spring, so not now I'm "
            "afraid. Feel free to circle back in April!\n\nSophie",
            "decline",
        ),
        # A sister passing on the absence, with the talent's interest: no responder.
        (
            "Hi Hana,\n\nThis is Ines's sister - she's travelling in Peru with barely any signal "
            "until the 20th and asked me to keep an eye on her inbox. I know she'd be really "
            "excited about this. She'll get back to you properly when she's home.\n\nAlice",
            "interested",
        ),
    ],
)
def test_a_person_stating_an_absence_is_not_an_auto_reply(body: str, intent: str) -> None:
    case = Case(
        id="p",
        lang="ja",
        subject="Re: ご相談",
        body=body,
        intent=intent,
        sender="a@b.jp",
        received=date(2026, 12, 24),
    )
    found = parse_and_classify(case.raw())
    assert (found.kind != "auto_reply", found.intent) == (True, intent), found.reasons


# Sentences of every intent, each a form the phrase data must read right.
FORMS = [
    ("今後はご送付いただかなくて結構です", "opt_out"),
    ("今後のご案内は控えていただけますでしょうか", "opt_out"),
    ("弊社宛の営業メールは固くお断りいたします", "opt_out"),
    ("このアドレスへの送信は今後お止めください", "opt_out"),
    ("メール不要です", "opt_out"),
    ("迷惑ですのでやめてください", "opt_out"),
    ("今後、一切のご連絡をお断りいたします", "opt_out"),
    ("配信を止めてください", "opt_out"),
    ("もう連絡してこないでください", "opt_out"),
    ("受信拒否します", "opt_out"),
    ("送信をやめていただけますか", "opt_out"),
    ("今後は送らないでいただけると助かります", "opt_out"),
    ("宣伝メールはいりません", "opt_out"),
    ("Unsubscribe me", "opt_out"),
    ("Remove this address please", "opt_out"),
    ("Leave me alone.", "opt_out"),
    ("I do not wish to receive any further emails.", "opt_out"),
    ("Who gave you my email?", "opt_out"),
    ("Where did you get my email?", "opt_out"),
    ("I'm reporting this as spam.", "opt_out"),
    ("Please take me off your list.", "opt_out"),
    ("今回は見送りとさせてください", "decline"),
    ("今回は辞退申し上げます", "decline"),
    ("申し訳ございませんが、お受けいたしかねます", "decline"),
    ("ご期待に沿えず申し訳ございません", "decline"),
    ("今回は難しそうです", "decline"),
    ("ちょっと難しいかもです", "decline"),
    ("今回は参加できません", "decline"),
    ("お気持ちだけありがたく頂戴します", "decline"),
    ("今回は控えさせていただきます", "decline"),
    ("やめておこうと思います", "decline"),
    ("見送る形でお願いします", "decline"),
    ("Not really interested, sorry.", "decline"),
    ("I don't think it's a good fit for my audience.", "decline"),
    ("This doesn't align with my content.", "decline"),
    ("Unfortunately I can't take this on right now.", "decline"),
    ("We don't do paid partnerships.", "decline"),
    ("I'm not doing brand deals at the moment.", "decline"),
    ("I'll have to pass for now.", "decline"),
    ("I'm fully booked until February, could we do March instead?", "interested"),
    ("12月は対応できませんが、1月でしたら可能です", "interested"),
    ("スケジュールが合わないので、2月にずらせますか?", "interested"),
    ("お断りする理由はありません!ぜひお願いします", "interested"),
    ("I never say no to free serum haha. Yes!", "interested"),
    ("Can you send the brief to my work email, milo.work@studio.example?", "referral"),
    ("My agent's email is jo@talent.example, she'll sort it.", "referral"),
    ("Hi, I'm Milo's manager. What's the budget?", "referral"),
    ("マネージャーの田中です。本件は私が担当します。", "referral"),
    ("マネージャーの山田をCCに入れました、よろしくお願いします", "referral"),
    ("I found your email in my spam folder, sorry! Still interested.", "interested"),
    ("I'd love to! Please don't follow the brief too strictly though.", "interested"),
    ("Happy to help. No need to send a contract, just the product.", "interested"),
    ("Sounds great. I won't be able to post before the 20th, is that ok?", "interested"),
    ("ぜひ!ただ、顔出しはご遠慮させていただきたいです", "interested"),
    ("I can't do reels, but stories are fine.", "interested"),
    ("Please stop by our studio if you're in Tokyo!", "interested"),
    (
        "Stop sending samples to my old address, I moved. New one below. Keen to do it!",
        "interested",
    ),
    ("配信停止のリンクを押しても止まりません", "opt_out"),
    ("Your unsubscribe link is broken, I still get these.", "opt_out"),
    ("I clicked unsubscribe but I'm still receiving your emails", "opt_out"),
    ("配信停止の方法を教えてください", "opt_out"),
    ("Can I opt out of the whitelisting part?", "interested"),
    ("Please opt me out.", "opt_out"),
    ("I want to opt out of your emails.", "opt_out"),
    ("Feel free to decline if the rate is too high for you, but my rate is $800.", "interested"),
    ("I must respectfully decline.", "decline"),
    ("No, I don't want these emails.", "opt_out"),
    ("配信停止のリンクを押しかけたのですが、まだ募集していますか?", "interested"),
    ("I wanted to unsubscribe but your offer sounds great", "interested"),
    ("営業メールは受け取りたくありません", "opt_out"),
    ("このようなメールは今後一切不要です", "opt_out"),
    ("こうしたお声がけはご遠慮いただけますと幸いです", "opt_out"),
    ("迷惑メールに振り分けます", "opt_out"),
    ("送信元をブロックしました", "opt_out"),
    ("以後送信されないようお願いします", "opt_out"),
    ("Please remove us from your list", "opt_out"),
    ("Unsub", "opt_out"),
    ("I'd prefer not to receive these emails", "opt_out"),
    ("Please don't send me any more emails", "opt_out"),
    ("Please erase my contact information", "opt_out"),
    ("Put me on your do-not-contact list.", "opt_out"),
    ("I'm not able to take this on", "decline"),
    ("It's a no from me, sorry", "decline"),
    ("Unfortunately this isn't for me", "decline"),
    ("Pass for now, thanks", "decline"),
    ("今回は受けられません", "decline"),
    ("今回は無理です、すみません", "decline"),
    ("ありがとうございます、今回は大丈夫です", "decline"),
    ("辞退の方向でお願いします", "decline"),
    ("For business inquiries: team@north.agency", "referral"),
    ("案件のご依頼はこちら→ work@sora.jp", "referral"),
    ("Please direct all inquiries to deals@kite.mgmt", "referral"),
    ("今後ともよろしくお願いいたします。投稿日はいつですか?", "interested"),
    ("今後のご連絡はLINEでお願いできますか?", "interested"),
    ("お断りする理由がありません", "interested"),
    ("辞退するつもりはありません!", "interested"),
    ("I'm not unsubscribing, don't worry. What's the budget?", "interested"),
    ("No need to remove me, I'm interested", "interested"),
    ("I had unsubscribed by mistake, can you add me back?", "interested"),
    ("I'm not interested in a long contract, but a one-off post sounds good", "interested"),
    ("This isn't spam, right? Sounds too good to be true", "interested"),
    ("How did you find my account? Love your products!", "interested"),
    ("無理のない範囲でよければぜひ", "interested"),
    ("大丈夫です!よろしくお願いします", "interested"),
    ("Please stop by our booth if you're around", "interested"),
    ("メールだと見落としがちなので、DMでご連絡いただけますか?", "interested"),
    ("メールマガジンの配信を停止してください", "opt_out"),
    ("ニュースレターの購読解除をお願いします", "opt_out"),
    ("メール送信のストップをお願いします", "opt_out"),
    ("Never contact me again.", "opt_out"),
    ("Don't write to us anymore", "opt_out"),
    ("Honestly it isn't really a fit for us.", "decline"),
    ("Sorry, this wasn't quite the right fit.", "decline"),
    ("ご連絡を止めていただく必要はございません。ぜひ詳しく伺いたいです", "interested"),
    ("配信停止する必要はありません、むしろ楽しみにしています", "interested"),
    ("It isn't a fit for my feed, but I'd love to do stories instead", "interested"),
    ("Don't hesitate to email again with the brief!", "interested"),
    ("今後はこういったメールをお送りいただかなくても大丈夫です", "opt_out"),
    ("今後のご案内は辞退させていただきます", "opt_out"),
    ("恐縮ですが、弊社宛のご案内は今後ご放念ください", "opt_out"),
    ("しつこい。やめろ", "opt_out"),
    ("迷惑なのでやめてもらえますか", "opt_out"),
    ("宛先から削除願います", "opt_out"),
    ("STOP", "opt_out"),
    ("Please stop.", "opt_out"),
    ("Kindly refrain from contacting me further.", "opt_out"),
    ("配信停止は考えていません。詳細ください", "interested"),
    ("先ほどのメールはご放念ください。ぜひお受けしたいです", "interested"),
    ("しつこいようですが、ぜひお願いします!", "interested"),
    ("迷惑をかけてしまうので、今回はやめておきます", "decline"),
    ("Please don't stop!", "interested"),
    ("I'm making a video about online harassment, would love to collab", "interested"),
    ("I had to stop. Now I'm back and keen!", "interested"),
    ("今後のご案内を辞退するつもりはありません。ぜひ", "interested"),
    # Their own earlier words in quotation marks count unless the text takes them back.
    (
        'In the summer I wrote to you "please don\'t send me any more PR". I take it back, '
        "is the offer still open?",
        "interested",
    ),
    ('I wrote "please don\'t send me any more PR" in the summer and they still come.', "opt_out"),
    (
        "前に「配信停止でお願いします」とお返事しましたが、撤回させてください。ぜひ詳細を",
        "interested",
    ),
    ("「配信停止でお願いします」とお返事したはずですが、まだ届きます。", "opt_out"),
    ("正直、最初は配信停止しようかと思ったのですが、詳細を教えていただけますか?", "interested"),
    ("unsubscribe? nah. send the serum, i'll do a GRWM with it", "interested"),
    # Apologies for a late reply are no regret about the offer; a rate or an address is a yes.
    ("Sorry for the late reply. My rate is $500 per reel.", "interested"),
    ("Sorry for the delay! Sending my address now: 1-2-3 Shibuya.", "interested"),
    ("遅くなってすみません。住所は東京都渋谷区1-2-3です。", "interested"),
    ("Unfortunately I only do paid posts. My fee is 50,000 yen.", "interested"),
    # Their own newsletter's line below the signature separator is not a request.
    (
        "Yes! Count me in.\n\n--\nRosie | Weekly newsletter - not for you? Unsubscribe anytime.",
        "interested",
    ),
    # The addresses of an agency's own signature point nowhere: the decline stays a decline.
    (
        "弊社所属の「まるちゃん」は現在食品ジャンルの案件を控えておりますため、今回はご辞退させていただきます。\n"
        "**************************\nPR窓口：pr-desk@example.jp\n代表：info@example.jp\n"
        "**************************",
        "decline",
    ),
    (
        'My assistant replied "unsubscribe" yesterday by mistake. Could you resend the details?',
        "interested",
    ),
    # A closing rule above sentences ends a pasted message; it does not start a signature.
    (
        "前回も下記のとおりお返事しております。\n----- 以下、11月のメールです -----\n"
        "今回は見送らせていただきます。\n----------------------------------------\n"
        "二度目ですので、今後はこの種のご案内自体が不要です。リストから外していただければ幸いです。",
        "opt_out",
    ),
    # Someone copied only to follow the thread is no referral.
    (
        "Adding my manager Sarah (sarah@example.com) for visibility. It's a no from me on this "
        "one unfortunately.",
        "decline",
    ),
    # A stop word quoted as what the footer says is a mention; a condition is not a refusal.
    (
        "下に「配信停止」って書いてあるのを見て一瞬身構えましたが笑、詳細お聞きしたいです。",
        "interested",
    ),
    (
        "Is it fragrance-free? Anything with essential oils is a dealbreaker for my audience.",
        "interested",
    ),
    (
        "Honest answer: the fragrance is a dealbreaker for me, so it's not going to be a fit.",
        "decline",
    ),
    # A sign of interest inside a refusal's own words does not outweigh it.
    ("大変申し訳ないのですが、今後もご連絡いただかなくて問題ありません。", "opt_out"),
    # A pattern's leading punctuation does not carry the clause before it.
    ("Not for me, not ever. Remove.", "opt_out"),
    (
        "Just so you know, anything else from this domain is going straight to my spam folder.",
        "opt_out",
    ),
    # A phrase that carries its own "not": the "not" of the clause before it does not cancel it.
    ("Not for me - and not for this inbox either, going forward. Thanks.", "opt_out"),
    ("ﾊｲｼﾝﾃｲｼ ｵﾈｶﾞｲｼﾏｽ", "opt_out"),
    ("haishin teishi onegai shimasu", "opt_out"),
    (
        "Hi, I'd do it, but it's a no to the exclusivity clause. Take that out and we have a deal.",
        "interested",
    ),
    # A plain "not interested" in Japanese is a decline, never a sign of interest.
    ("申し訳ありませんが、興味がありません。", "decline"),
    ("正直あまり興味わかないです", "decline"),
    # A refusal quoted in single marks and taken back before it.
    (
        "Please ignore my earlier 'unsubscribe' reply - that was my kid. We are actually "
        "interested. Is it vegan?",
        "interested",
    ),
    # A condition about this offer's terms is a counter-offer now, not a yes for later.
    (
        "商品提供のみのご依頼はお断りしているのですが、有償でのご依頼でしたらぜひ前向きに検討させて"
        "ください。",
        "interested",
    ),
    ("I'll pass it on to the team and we'll get back to you on dates.", "interested"),
    # A time condition on this very offer is a counter-offer; "another time" is not.
    (
        "12月は予定が埋まっており今回は難しいのですが、1月以降でしたらぜひお受けしたいです。",
        "interested",
    ),
    (
        "今回はお受けできません。春以降にまた機会があれば、そのときはぜひお話を聞かせてください。",
        "decline",
    ),
    # What they would normally do is not what they ask now.
    (
        "I'd normally ask brands to take me off their lists when they email cold, but yours is "
        "on my wishlist. Can you share the brief?",
        "interested",
    ),
    ("You don't need to go through my manager - product collabs I handle myself.", "interested"),
    # Praise in a sentence of its own does not take back a stop; right after a turn it does.
    (
        "I'd kindly ask that you not reach out again. None of this is a judgement on the serum, "
        "which honestly sounds lovely.",
        "opt_out",
    ),
    ("pls just dont email me anymore ok. my sister would prob love it tho", "opt_out"),
    # "saying yes" is a mention, not a yes.
    (
        "Please stop brand emails for good; if I leave the door open I end up saying yes out of "
        "guilt.",
        "opt_out",
    ),
    # A bare "don't need it" is a stop; "no need to confirm receipt" is not.
    ("いらないです", "opt_out"),
    ("連絡不要です🙅‍♀️", "opt_out"),
    ("署名して返送しますね。受領のご連絡は不要です。", "interested"),
    # "If … ever …" and "if that changes" put a yes off to another time.
    (
        "I only partner with certified vegan brands, so it's a no for now, but if that changes "
        "I'd genuinely love to hear about it.",
        "decline",
    ),
    (
        "It's a no on this one. But if a paid budget ever opens up, I'd genuinely love to talk!",
        "decline",
    ),
    # 「ご遠慮させていただきます」 declines this request; 「ご遠慮ください」 asks us to stop.
    ("今回のご依頼はご遠慮させていただきます。", "decline"),
    ("今後、営業のご依頼はご遠慮ください。", "opt_out"),
    # Someone else's refusal, quoted, is not the sender's.
    (
        'Ha, my friend Mel told me she emailed you to "please remove me from your list" last '
        "week. I'm the total opposite - send me everything! When does the serum launch?",
        "interested",
    ),
    ('My manager told me to write "please remove us from your list", so please do.', "opt_out"),
    # A stop in katakana with an emoji after it; a 停止 inside a longer word is none.
    ("ストップでお願いします🙇‍♀️", "opt_out"),
    (
        "まだ募集していたら参加したいです。停止扱いになっていたら取り消していただけますか？",
        "interested",
    ),
    # Slips of short words typed fast.
    ("plz remvoe me from ur mailing lsit, thx", "opt_out"),
    ("plz stpo emailing me. i alredy said this", "opt_out"),
    ("plz remoove me from ur emails", "opt_out"),
    # A bare "remove." with a thanks after it; a file format is not contact.
    ("Pls remove. Thanks.", "opt_out"),
    ("Stop sending me PDFs lol, my phone can't open them. Can you paste the brief?", "interested"),
    # A grandchild's advice quoted; their own earlier mail, to be ignored.
    (
        'My granddaughter told me to just type "unsubscribe" to these company emails, but I DO '
        "want this one! What sort of fee are we talking about?",
        "interested",
    ),
    (
        "Please ignore my email from this morning asking to be removed - that was meant for "
        "another brand. I'm really interested. What are next steps?",
        "interested",
    ),
    # "X で大丈夫です" says X is fine, not that nothing is needed.
    ("今後のご連絡はこのアドレスで大丈夫です。ぜひ前向きに検討させてください。", "interested"),
    # A month part is a term of this offer: a counter-offer, not a yes for another time.
    (
        "12月は予定が詰まっていて難しいのですが、1月中旬以降でしたらぜひお受けしたいです。",
        "interested",
    ),
    # Stops said as a condition, a procedure, a list not to be put on.
    ("何度目でしょうか。これ以上届くようでしたら、しかるべき窓口に相談します。", "opt_out"),
    ("ご案内メールの受け取りを終わりにしたいです。", "opt_out"),
    ("Not for me mate. And please don't stick me on any more lists.", "opt_out"),
    ("I request you to kindly not send me such mails further.", "opt_out"),
    ("この先こうしたご案内をいただくのは遠慮させていただければと思います。", "opt_out"),
    # "…とかはしないでくださいね" asks us not to stop; other offers refused, this one wanted.
    ("メールの受信停止とかはしないでくださいね！笑 来月の企画に入れてください", "interested"),
    ("いま他の案件は全部お断りしているんですが、はなみラボさんのは受けたいです！", "interested"),
    ("No to giveaways - but a single honest review post I'm up for.", "interested"),
    # Mentions of the stop, not requests: its line in our footer, 「…のご連絡ではなく」.
    (
        "Saw the unsubscribe line at the bottom, but I definitely don't want to unsubscribe "
        "her! Could you send over the brief?",
        "interested",
    ),
    ("配信停止のご連絡ではなく、案件についての質問です。二次利用の範囲は？", "interested"),
    ("すみません、れんらく不要でづ。\n今後も送らなくてだいじょうぶです", "opt_out"),
    ("ご連絡先の一覧から私を除外してください。", "opt_out"),
    ("Naw, no the now and no ever. Take me aff your list please.", "opt_out"),
    # Their earlier stop, sent to another brand; a stop that says it was already asked.
    (
        "先日「今後の連絡は不要です」とお伝えしたのは別のブランドさん宛でした、失礼しました！"
        "今回のPRにもぜひ参加したいです。",
        "interested",
    ),
    ("I opted out through your link on the 4th and I'm still getting follow-ups.", "opt_out"),
    ("It's probably kindest to both of us if I come off your outreach list.", "opt_out"),
    ("We aren't able to take on this collaboration, but thank you for thinking of us.", "decline"),
    ("Unfortunately I have to decline. Happy to chat again after that though!", "decline"),
    ("My manager's off this week so just deal with me directly. What's the fee?", "interested"),
    # A yes for after a busy spell is a yes now, with a date.
    (
        "I'm fully booked until Dec 15 and could post any day after that. Yes, I'd love to!",
        "interested",
    ),
    # Round six: a lawyer for the client, phones, a yes on paid terms.
    (
        "We write on behalf of our client. Our client does not wish to receive any further "
        "communications from Hanami Labs.",
        "opt_out",
    ),
    ("pls stop 🙏 i get like forty of these a day", "opt_out"),
    ("how'd u even find this address? delete it pls", "opt_out"),
    ("gonna pass, and id appreciate not being contacted going forward", "opt_out"),
    ("pls dont email this acct again, its my personal inbox", "opt_out"),
    ("私のアドレスは今後使わないでください。", "opt_out"),
    ("企業様からのご連絡は今後ご遠慮させていただいております。", "opt_out"),
    ("I'm taking a couple of months off sponsorships, so I'm turning everything down.", "decline"),
    ("ギフティングのみは断ってるんですが、有償なら喜んで✨", "interested"),
    (
        "Saw the line about replying 'unsubscribe' - I definitely don't want to unsubscribe!",
        "interested",
    ),
    (
        "That's a no from me on the December timeline - but if you can push to January I'm "
        "absolutely in.",
        "interested",
    ),
    # Round seven.
    ("This is a shared family address. Please don't send marketing here again.", "opt_out"),
    ("Request you to kindly not send such mails henceforth.", "opt_out"),
    ("Ah no thanks. And if you could not email again that'd be grand.", "opt_out"),
    ("Please remove both of us - and don't contact either again.", "opt_out"),
    ("Currently I'm not taking up any collaborations as I'm focusing on my exams.", "decline"),
    (
        "My skin reacts to anything new so I've stopped trialling skincare. Pass this time.",
        "decline",
    ),
    ("Short answer: no.\n\nLong answer: my audience is mostly PC gamers.", "decline"),
    # Round eight.
    ("Could we push our call to next week? Thursday doesn't work for me anymore.", "interested"),
    ("どちらにしても、今後はお送りいただく必要はありません。", "opt_out"),
    ("Please take me off your list. I'm keen to stop getting pitches altogether.", "opt_out"),
    ("We're a couple account and we've decided together not to do skincare promos.", "decline"),
    (
        "My assistant told me to just say no to every cold pitch, but I'm overruling her on "
        "this one 😅 What would the deliverables be?",
        "interested",
    ),
    ("I'd like to opt out of all Hanami Labs emails going forward though!", "opt_out"),
    ("うーん、今回はパスで！また伸びたらぜひお願いします〜", "decline"),
    (
        "My manager used to handle this but we parted ways, so just deal with me directly. "
        "I'm interested. Can you send over rates?",
        "interested",
    ),
    # Round nine.
    ("メールでのご案内はもう必要ありませんので、停止のお手続きをお願いできますか。", "opt_out"),
    ("営業メールが月に何通も来てて困ってます。御社からのものは今後すべて不要です。", "opt_out"),
    ("ご案内自体を今後はいただかない形にしていただけますか。", "opt_out"),
    (
        "I'd be grateful if you could make a note not to get in touch about future campaigns "
        "either.",
        "opt_out",
    ),
    ("The sakura scent rules this one out for me.", "decline"),
    (
        "I'm not interested in the serum at all. But the body oil I can actually work with.",
        "interested",
    ),
    (
        "So I'm going to have to say no to this one. If your plans include a summer push, I'd be "
        "happy to hear about it then.",
        "decline",
    ),
    # Round ten.
    ("I've asked twice already to be unsubscribed. Please actually do it this time.", "opt_out"),
    ("結構です。\n次からは送らなくていいです。", "opt_out"),
    (
        "Thanks, but I can't promote what my followers can't buy here. Will have to skip this time.",
        "decline",
    ),
    ("Product-for-post collabs aren't something I'm taking on at the moment.", "decline"),
    ("I'm taking the whole Dec-Jan stretch off brand work to recharge.", "decline"),
    (
        "内容には大変興味があるのですが、3万円だと少し厳しいです。4万5千円でご検討いただくことは"
        "可能でしょうか？",
        "interested",
    ),
    (
        "断る理由がないです笑 ぜひお願いします！住所はこのメールに返信する形で大丈夫ですか？",
        "interested",
    ),
    # Round eleven.
    ("引っ越し中で撮影できる環境がないので今回はまた今度にさせてください💦", "decline"),
    (
        "I react to most fragranced balms, so I don't think I can honestly promote this one.",
        "decline",
    ),
    # Round twelve.
    ("あ、こういうの大丈夫です〜！\nもう送ってこなくて平気なので🙅‍♀️", "opt_out"),
    ("恐れ入りますが、ご連絡先から外していただけますでしょうか。", "opt_out"),
    ("正直まったく興味がないので今後は結構です。", "opt_out"),
    (
        "I haven't given consent to be contacted by your company. I'd ask that you delete them.",
        "opt_out",
    ),
    ("Please add this email address to your suppression list.", "opt_out"),
    ("After reading through the ingredient list I've decided to decline.", "decline"),
    # Round thirteen.
    ("削除希望です。", "opt_out"),
    ("Please confirm that you have deleted my data and that you won't email me again.", "opt_out"),
    (
        "I'm pausing all brand collaborations for now to focus on my final exams. Maybe another "
        "time!",
        "decline",
    ),
    # An earlier no, quoted, and a yes if this offer is still open; a stop taken back.
    (
        "先日は「今回は見送ります」とお返事してしまったのですが、スケジュールが空きましたので、"
        "もしまだ間に合うようでしたらぜひ参加させてください！",
        "interested",
    ),
    (
        "以前、別の件で配信停止をお願いしたかと思うのですが、今回の桜ナイトセラムはとても気になって"
        "いて…！ぜひPRをお受けしたいです。\n配信停止の件は取り消しでお願いします🙇‍♀️",
        "interested",
    ),
    # Round fourteen.
    ("InstagramのDMでもメールでも何度も来るのですが、もうやめてください。", "opt_out"),
    ("メアドどこで手に入れたんですか？\n正直気持ち悪いのでやめてください", "opt_out"),
    ("I don't accept unsolicited pitches at this address. Please don't email it again.", "opt_out"),
    (
        "Appreciate it but I'm not the right person for this and don't want future emails.",
        "opt_out",
    ),
    ("Appreciate it, but I'm not taking on sponsored content right now.", "decline"),
    (
        "I only work with fragrance-free brands and the products I've seen from you are scented, "
        "so it's not going to work for me.",
        "decline",
    ),
    # Other offers refused as a habit, then a question about this one.
    (
        "日焼け止めの案件は肌に合わないことが多くお断りしているのですが、セラムでしたらぜひやって"
        "みたいです✨\nスケジュール感を教えてください！",
        "interested",
    ),
    (
        "他社さんからの案件メールはだいたい配信停止してるんですが、これは気になりました！\n"
        "ボディミストの香りの種類を教えてください🌸",
        "interested",
    ),
    # Round fifteen.
    (
        "あの、どちら様ですか？なんで私のアドレス知ってるんですか？\n気持ち悪いので消してください。",
        "opt_out",
    ),
    (
        "Please tell me where you obtained this address, delete it and any other personal data "
        "you hold about me, and confirm in writing that you have done so.",
        "opt_out",
    ),
    (
        "つきましては誠に恐縮ながら、今後このようなお誘いは一切ご無用に願いたく、\n"
        "そちら様の名簿からも私の名前をお削りいただけますれば幸いに存じます。",
        "opt_out",
    ),
    # A cushion before a question is no regret; a yes on a condition about this offer.
    (
        "拝見しました。やってみたい気持ちはございます。\n不躾で恐縮ですが、謝礼はいかほどでしょうか。",
        "interested",
    ),
    (
        "いわゆるステマのような、宣伝と分からない形の投稿はお断りですが、\n"
        "「PR」ときちんと表記させていただけるのであれば、喜んでお引き受けいたします。",
        "interested",
    ),
    # An earlier answer, quoted and set aside after a turn.
    (
        "以前、別の商品のときに「今回は見送ります」とお返事したかと思いますが、今回のセラムはぜひ"
        "試してみたいです！",
        "interested",
    ),
    (
        'Last month I replied "remove me" to your email in a bit of a temper. Please disregard '
        "that, if you can. I'd like to try the serum after all, if the offer still stands.",
        "interested",
    ),
    # Round sixteen.
    (
        "I've given this some thought and I don't think it's the right moment for me, so I "
        "wouldn't feel honest promoting a new serum right now.",
        "decline",
    ),
    (
        "Thanks so much for the offer but I'm not taking on paid skincare posts right now.",
        "decline",
    ),
    (
        "Hi! Please ignore the unsubscribe - I clicked the link by accident while scrolling on my "
        "phone 🙈 I'm actually really keen on this. Can we chat?",
        "interested",
    ),
    (
        "大変申し訳ございませんが、娘に対するこのようなご連絡は、今後一切なさらないようお願い"
        "いたします。",
        "opt_out",
    ),
    (
        "今後は私についてはご縁がなかったものとしてお取り扱いいただき、新商品のご案内なども不要"
        "です。リストのようなものがあれば、そちらからも外していただけますでしょうか。",
        "opt_out",
    ),
    (
        "Under Article 21 GDPR, I object to the processing of my personal data for direct "
        "marketing. I'm happy to leave it there if this is dealt with properly.",
        "opt_out",
    ),
    (
        "So yes - I'd really like to try it. Also, what's your timeline? I'm fully booked until "
        "the 10th of January but free after that.",
        "interested",
    ),
    # Round seventeen.
    ("Kindly refrain from further contact.\n\nW. Ashby", "opt_out"),
    (
        "I don't know who gave you this email but it's my personal one, not my work one. Remove "
        "it please.",
        "opt_out",
    ),
    (
        "Hey, please don't send me promo emails anymore. I don't do brand deals and never will, "
        "nothing personal!",
        "opt_out",
    ),
    ("After reviewing it with her, she'll be passing on this opportunity.", "decline"),
    (
        "appreciate it but i only work w/ fragrance free brands and ur serum has fragrance so ima pass",
        "decline",
    ),
    ("ことしはもう案件うけてないです〜\nまたらいねんとかなら(´・ω・`)", "decline"),
    (
        "日焼け止めは以前肌荒れしてしまったことがあって、紹介は控えたいです。\nごめんなさい！",
        "decline",
    ),
    (
        "I'm not interested in a one-off gifted post, to be honest - I don't do those. But a paid "
        "three-month ambassadorship is something I'd seriously consider.",
        "interested",
    ),
    (
        'First, apologies for the "please remove me" reply you got from this address last week - '
        "that was my assistant while I was away. Please ignore it! I'm actually very interested.",
        "interested",
    ),
    (
        "前回「配信停止」って返しちゃったんですけど、やっぱり気になるので詳しく聞きたいです🙏\n"
        "さっきのは取り消しでお願いします",
        "interested",
    ),
    # Round eighteen.
    ("このメールリストから抜けたいです。どうすればいいですか？", "opt_out"),
    (
        "My husband Dave forwarded this to me since I deal with his emails. He doesn't do "
        "sponsored content and doesn't want these messages. Please take his address off your list.",
        "opt_out",
    ),
    (
        "Hi! I'm pregnant at the moment and being really careful about which actives I use, so "
        "I'm not comfortable promoting a night serum right now.",
        "decline",
    ),
    ("Thanks, but this isn't something I'd be interested in.", "decline"),
    (
        "先日「今後連絡しないでください」とお返事してしまった者です。\n別の会社さんからのメールと"
        "勘違いしておりました。改めて、今回のお話を伺ってもよろしいでしょうか。",
        "interested",
    ),
    (
        "We asked to be removed from your list earlier this year, but our roster has changed since "
        "then and two of our newer creators would be a great fit for the body mist. Could we set "
        "up a quick call next week to talk about rates?",
        "interested",
    ),
    # Round nineteen.
    (
        "I'd appreciate it if my address could be dropped from whatever list this is. I'm not in "
        "a position to do sponsored content and would rather not keep getting these.",
        "opt_out",
    ),
    ("no thank you, please remove", "opt_out"),
    (
        "I'd appreciate it if you stopped cold-emailing me. I never gave you permission to "
        "contact me, and I'd like it to stay that way.",
        "opt_out",
    ),
    (
        "hey! appreciate it but i'm gonna pass — on this and honestly any future ones too. no "
        "need to keep me in the loop 🙏",
        "opt_out",
    ),
    (
        "This is the fourth email I've had from Hanami Labs in about three weeks. I'd really "
        "appreciate it if this one could be the last.",
        "opt_out",
    ),
    (
        "Sounds interesting! Could we hop on a quick call next week?\n\nP.S. Your unsubscribe "
        "link seems to go to a 404, just FYI — not that I'm planning to use it :)",
        "interested",
    ),
    (
        "香水やボディミスト系の案件はお断りしているのですが、セラムでしたらぜひ！\n使用感をしっかり"
        "試してから投稿したいので、2週間ほどお時間いただけますか？",
        "interested",
    ),
    (
        "Quick note: please stop cc'ing my old work address (ethan@oldjob.example.com) — this "
        "one is fine. On the collab itself, yes, I'm interested. Could we do a call next week?",
        "interested",
    ),
    # Round twenty.
    (
        "As a California resident I'm exercising my rights under the CCPA: tell me what data you "
        "hold about me, delete it, and do not send me any further communications.",
        "opt_out",
    ),
    (
        "I'd really appreciate it if this address could be left out of any future campaigns or "
        "outreach you do. I hope that's ok!",
        "opt_out",
    ),
    (
        "Thank you for reaching out. I'd prefer not to receive marketing or partnership emails at "
        "this address going forward.",
        "opt_out",
    ),
    (
        "I get a lot of these and I'm trying to keep my inbox for friends and family. Would you "
        "mind not reaching out again? No hard feelings at all 💛",
        "opt_out",
    ),
    (
        "娘はまだ中学生のため、企業様からのご連絡はすべてお断りしております。\n娘のアドレスを今後の"
        "送信先から削除してください。\nまた、どちらで娘のアドレスを知られたのか教えていただけますか。",
        "opt_out",
    ),
    # A later month for this offer; a format refused, another asked for; a footer mentioned.
    (
        "Not right now, but I'd love to revisit in February - could you reach out again around "
        "Feb 10?",
        "interested",
    ),
    (
        "I'm not taking on any new work in December, but January would be perfect. Could we aim "
        "for a post around January 20?",
        "interested",
    ),
    (
        "1月末まで別の案件が詰まっているため、2月以降の撮影・投稿でもよろしければぜひお受けしたい"
        "です。",
        "interested",
    ),
    ("ストーリーズのみの案件はお断りしているのですが、フィード投稿であればぜひ！", "interested"),
    (
        "メールの下に配信停止のご案内がありますが、お仕事のお話は大歓迎です！この後どう進めれば"
        "よいですか？",
        "interested",
    ),
    (
        "正直「配信停止」と返信しかけたのですが、商品ページを見たら気になってしまいました笑\n"
        "敏感肌でも使えますか？",
        "interested",
    ),
    (
        "事務所には所属していないので、事務所を通していただく必要はありません。私に直接ご連絡"
        "いただければ大丈夫です。\n案件の詳細（報酬・スケジュール）をお送りいただけますか？",
        "interested",
    ),
    # Round twenty-one.
    ("送らないで下さい\n\niPhoneから送信", "opt_out"),
    (
        "Please confirm that my email address has been deleted from your systems and that I will "
        "not be contacted by Hanami Labs again.",
        "opt_out",
    ),
    (
        "I'm not interested in doing a TikTok, but an IG reel would work for me. Would that be ok "
        "on your end?",
        "interested",
    ),
    # Round twenty-two.
    ("メルマガ？みたいなものは全部解除でお願いします。", "opt_out"),
    (
        "これ以上メールが届くようでしたら迷惑メールとして報告します。今後送らないでください。",
        "opt_out",
    ),
    (
        "I have super sensitive skin and only promote fragrance-free products, so the body mist "
        "isn't something I can post about. Thank you though!",
        "decline",
    ),
    (
        "Not right now unfortunately, I'm in the middle of moving house. Could you reach out "
        "again in mid-January? I'd really like to work together then.",
        "interested",
    ),
    (
        "成分表を送っていただけますか？\n敏感肌でアルコールが合わないので、確認してからお返事したいです。",
        "interested",
    ),
    ("何度もご連絡いただき恐縮ですが、今回のお話はお断りさせていただきます。", "decline"),
    (
        "nah fam I'm good, and pls stop hitting my inbox with this stuff. not my thing at all.",
        "opt_out",
    ),
    (
        "配信停止の希望ではありませんので、今後もご案内いただけると嬉しいです！"
        "桜ナイトセラムにはアルコールは含まれていますでしょうか？",
        "interested",
    ),
    (
        "This is my personal email address; I closed my beauty account a year ago. I'm not "
        "sure how it ended up on your list, but I would appreciate it if you could remove it.",
        "opt_out",
    ),
    (
        "Thank you but I'm taking a break from social media for the next few months, so I "
        "can't commit to a post. Good luck with the launch!",
        "decline",
    ),
    ("配信定止してください", "opt_out"),
    (
        "Quick question: does the unsubscribe link at the bottom of your email take me off your "
        "creator list too, or just the newsletter? I don't want marketing emails, but I'd like "
        "to stay in the running for paid collabs like this one.",
        "interested",
    ),
    (
        "I'm not a content creator, this is my work inbox. Please make sure nothing like this "
        "is sent here again.",
        "opt_out",
    ),
    (
        "直接このアドレスに届いたのが気になっています。どちらで入手されたのでしょうか。"
        "名簿業者などから購入されたものですか？",
        "opt_out",
    ),
    (
        "誠に勝手ながら、今後は貴社からのメールマガジンおよびご案内の送付を\n"
        "お取りやめいただきたく存じます。",
        "opt_out",
    ),
    ("解除🙅‍♀️", "opt_out"),
    ("停止で", "opt_out"),
    (
        "お話には興味があります。下にある「配信停止」のリンクを押した場合、今回のPRのやり取りも"
        "止まってしまうのでしょうか？メルマガは不要なのですが、このご相談は続けたいです。",
        "interested",
    ),
    (
        "お断りするつもりはないのですが、ひとつ条件があります。着物コーデの投稿に自然に入れ込む形"
        "でもよろしいでしょうか？商品単体の紹介だとアカウントの雰囲気に合わないので…。",
        "interested",
    ),
    (
        "リマインドのメールはもう大丈夫です（ちゃんと見てます笑）。それより、投稿の締切って"
        "いつ頃になりますか？1月中ならいけそうです。",
        "interested",
    ),
    (
        "Not doing paid posts at the moment, but I'd happily take a sample and see how my skin "
        "likes it. Where do I send my address?",
        "interested",
    ),
    (
        "Quick question: if I click the opt-out link below, does that also cancel this collab "
        "thread? I only want to stop the newsletter, not this.",
        "interested",
    ),
    (
        "Your email says to reply \"unsubscribe\" if I'd rather not hear from you. I'd rather "
        "hear from you! What does the paid post involve?",
        "interested",
    ),
    (
        "Quick one before I say yes: if I unsubscribed from your newsletter a while back, does "
        "that mean I won't get the follow-ups? I'd like to keep talking about the serum.",
        "interested",
    ),
    (
        "下に書いてある「配信停止」って、押すと今後の案件のご連絡も全部来なくなるんでしょうか？"
        "ご案内は続けていただきたいので念のため…。あと、報酬の目安も教えていただけると嬉しいです。",
        "interested",
    ),
    (
        "I took a few days to think it over, and I'm going to turn this one down. My January "
        "content plan is already locked in.",
        "decline",
    ),
    (
        "有償・無償にかかわらず、美容液のPRは今のところ考えておりません。悪しからずご了承ください。",
        "decline",
    ),
    (
        "Hiya, I think I've ended up on a list I shouldn't be on. Would you mind deleting me "
        "from your database, all lists please? Ta.",
        "opt_out",
    ),
    (
        "Please don't send the sample - I'm trying to cut down on products piling up in my "
        "bathroom. Thanks anyway, though!",
        "decline",
    ),
    (
        "No need to send a sample, I already own it. What are you thinking for deliverables?",
        "interested",
    ),
    ("I'm flattered, but please don't send me a sample or any more emails.", "opt_out"),
    (
        "Stop. I've been looking for a night serum exactly like this for months! Where do I sign?",
        "interested",
    ),
    (
        "平素よりお世話になっております。本件は弊社にてご対応いたしますので、今後のご連絡は"
        "本メールアドレス宛てにお願いいたします。なお、配信停止等のお手続きは不要です。",
        "referral",
    ),
    (
        "こちらのアドレスはどこにも公開していないはずなのですが、どちらでお知りになったのでしょうか。",
        "opt_out",
    ),
    (
        'Quick question before I say yes: if I reply "unsubscribe" to your newsletter emails, '
        "does that also cancel this sample? I do want the serum, so I'd like to keep this one going.",
        "interested",
    ),
    (
        'Your footer says that replying "unsubscribe" opts me out. If I reply to ask about the '
        "contract, that doesn't count as opting out, right? How long would the usage rights run?",
        "interested",
    ),
    (
        "Thnks for thinkin of me but i dont think its a good fit for my audiance. good luck tho",
        "decline",
    ),
    (
        "I've decided to step back from brand partnerships for a while to focus on my own "
        "projects, so I'm turning down everything at the moment.",
        "decline",
    ),
    (
        "Where did you source my email address? I'd like a copy of all the personal data you hold "
        "about me, and then for it to be erased.",
        "opt_out",
    ),
    (
        "Thanks, but no. And for what it's worth, I'd rather not be on any of your future mailing "
        "lists either.",
        "opt_out",
    ),
    (
        "Not interested in a paid post as such. I keep my reviews unpaid so they stay honest. But "
        "if you send the serum I'll use it for a few weeks and post about it if I like it.",
        "interested",
    ),
    (
        "今回の件はお断りさせてください。なお、配信停止までは希望しておりませんので、別の商品の際は"
        "またお声がけいただけると嬉しいです。",
        "decline",
    ),
    (
        "このアドレスはプライベート用で、仕事の連絡には使っていません。\nお手数ですが削除してください。",
        "opt_out",
    ),
    (
        "メールマガジン等の配信を停止してください。また、貴社に登録した覚えがないのですが、どのような"
        "経緯でこのアドレスにご連絡いただいたのでしょうか。",
        "opt_out",
    ),
    (
        "Don't take me off your list! Sorry, my last email came across rude - it was a long day. "
        "I'd actually like the sample if it's still on offer.",
        "interested",
    ),
    (
        "すみません、私の一存ではお返事できなくて…事務所的にNGかもしれないので、マネージャーに"
        "聞いてみてもらえますか？連絡先はインスタのプロフィールに載ってます！",
        "referral",
    ),
    ("I don't do sponsored posts for under $500. If you can meet that, I'm in.", "interested"),
    (
        "Quick question - if I click the link at the bottom of your email, does that unsubscribe "
        "me from everything or just this campaign? I want to stay on for this one.",
        "interested",
    ),
    ("Please remove milo@example.com from all Hanami Labs mailing and outreach lists.", "opt_out"),
    (
        "オプトインした覚えは一切ありません。今後の送信を停止し、私の情報を貴社のデータベースから"
        "消去したうえで、その旨ご回答ください。",
        "opt_out",
    ),
    ("下記メールにつきまして、今後当アドレスで受信しないよう対応をお願いいたします。", "opt_out"),
    ("配信提示してください", "opt_out"),
    (
        "thnks for thinkin of me but ill have to decline, way to much on my plate this month",
        "decline",
    ),
    (
        "My rate for a single Reel plus two stories is $450. I don't do sample-only collabs, but "
        "a paid post works for me. Let me know if that fits your budget.",
        "interested",
    ),
    (
        "ugh I wish, but I'm allergic to fragrance and the serum has parfum. hard pass this time x",
        "decline",
    ),
    ("That doesn't work for me, sorry. Not for me.", "decline"),
    (
        "大変申し訳ないのですが、今後は貴社および関連ブランドからのメールを\n"
        "こちらのアドレスへお送りいただかないようお願いいたします。",
        "opt_out",
    ),
    ("STOPでお願いします", "opt_out"),
    ("停止しいてください。", "opt_out"),
    ("Hey Hana, I'm not going to take this one. Nothing personal.", "decline"),
    (
        "以前は企業さんからのPRメールを全部配信停止していたのですが、\nはなみラボさんは前から"
        "気になっていたので、今回はお返事しました！\n桜ナイトセラム、使ってみたいです。",
        "interested",
    ),
    (
        "娘はまだ中学生ですので、企業様からのPRのご依頼はお受けしておりません。\n大変申し訳"
        "ありませんが、今後はこのアドレスにご連絡なさらないでください。",
        "opt_out",
    ),
    (
        "Not right now - I'm fully booked through February. But I'd genuinely like to do this "
        "in March. Could you reach out again around March 1?",
        "interested",
    ),
    ("I don't handle this stuff myself, my manager does. Can you loop her in?", "referral"),
    (
        "Next email from Hanami Labs goes straight to the spam button and a complaint to your "
        "provider. Consider this your one warning.",
        "opt_out",
    ),
    ("あの〜もう送ってこなぃでくださぃ😅\nしつこぃのほんと苦手なんで…", "opt_out"),
    ("Kindly refrain from reaching out to this address going forward.", "opt_out"),
    (
        'Ha, ignore my "unsubscribe" below, my little brother got hold of my laptop. I\'m '
        "actually really interested! Sample or paid, either works.",
        "interested",
    ),
    ("配信帝位してくだしさい。\nよろしくお願いします", "opt_out"),
    ("不要。削除して。", "opt_out"),
    (
        "Oops, I think I accidentally hit unsubscribe on your last email. Can you undo that? I do "
        "want to hear more about the serum and the paid option.",
        "interested",
    ),
    (
        'Quick question about the footer: if I reply "unsubscribe" to stop your newsletter, does '
        "that also cancel this collab? I'd like to do the collab, I just get a lot of newsletters.",
        "interested",
    ),
    ("I'd appreciate it if I didn't receive further emails like this going forward.", "opt_out"),
    (
        "I mostly post landscape photography. It would be best if I didn't receive any more of them.",
        "opt_out",
    ),
    (
        "Please scrub all three from your lists: team@wildoatsduo.com, cass@wildoatsduo.com and "
        "lena@wildoatsduo.com. None of them should hear from Hanami Labs again.",
        "opt_out",
    ),
    (
        "The two of us talked it over and we're declining. We only partner with fragrance-free brands.",
        "decline",
    ),
    ("送信不要", "opt_out"),
    (
        "Oh I'd love to, but honestly not right now - my content calendar is packed through "
        "February. Could you email me again in early March? I'd genuinely like to do something "
        "with you then.",
        "interested",
    ),
    (
        "Appreciate it, but I'm taking a proper break from posting over the winter and not "
        "committing to any partnerships. Thanks for understanding!",
        "decline",
    ),
    (
        "香料に弱いので、無香料のバージョンはありますか？\nない場合は難しいかもしれませんが、まずは"
        "全成分表をいただけますか。",
        "interested",
    ),
    ("すみません、事務所NGなので、事務所の方に直接ご連絡いただけますか？", "referral"),
    (
        "My sister handles all my collabs, can you message her on Instagram? She's @mia.manages.luna.",
        "referral",
    ),
    ("はいしん停し おねがいします", "opt_out"),
    (
        "正直、最初は配信停止しようかなと思ったのですが、\n桜の香りのナイトケアというのが気になって"
        "しまいました笑\n全成分表を見せていただくことはできますか？",
        "interested",
    ),
    (
        "Please don't remove me — I replied 'unsubscribe' to one of your emails by accident last "
        "week. I'm very much interested in the serum!",
        "interested",
    ),
    (
        "Respectfully, no. I had a bad reaction to a night serum last year and I don't promote them anymore.",
        "decline",
    ),
    ("pls stop lol i get like 40 of these a day and none of them are for me", "opt_out"),
    (
        "Where exactly did you get my address? I'd like an actual answer, and I want it removed.",
        "opt_out",
    ),
    ("❌ 不要", "opt_out"),
    ("否", "decline"),
    ("やめて", "opt_out"),
    ("I have a manager now, she'll reach out to you.", "referral"),
    (
        "配信停止のリンクを押したのですが、エラーページになってしまいました。\nお手数ですが、そちらで"
        "停止のお手続きをお願いします。",
        "opt_out",
    ),
    (
        "Honestly I usually ignore these or hit unsubscribe, but this one looks really good. What "
        "are the terms?",
        "interested",
    ),
    (
        "Please unsubscribe this address and also ben.k.studio@example.com, you've been mailing both.",
        "opt_out",
    ),
    ("thx but no thnks, im pregnant and avoiding new skincare rn", "decline"),
    (
        "May I ask how you obtained this address? It's a private one I only give to friends. I'd "
        "appreciate it if you deleted it from your records.",
        "opt_out",
    ),
    (
        "普段はマネージャー経由でやり取りしているのですが、年末で不在のため私から直接お返事します。"
        "\n桜ナイトセラム、ぜひお受けしたいです！\nやり取りはこのアドレスのままで大丈夫です。",
        "interested",
    ),
    ("Per my previous non-reply: no. And per this reply: please stop. Thanks.", "opt_out"),
    (
        "Not right now, January's a write-off with a house move. But genuinely interested: could "
        "you circle back in early March?",
        "interested",
    ),
    (
        "I don't accept unsolicited commercial email. I'd like my address removed and any notes "
        "you hold about me deleted.",
        "opt_out",
    ),
    (
        "サンプルのみのご提供でも結構です、というかむしろそちらの方がありがたいです！\n有償投稿は"
        "今期は予定が埋まっているので、まずは使ってみて、気に入ったら春以降にご相談させてください。"
        "\n送付先は下記です。",
        "interested",
    ),
    (
        "私は編み物の作品を載せているだけで、美容系のアカウントではないんです。\n今後はこういった"
        "メールの対象から外しておいていただけると助かります。",
        "opt_out",
    ),
    (
        "この件は事務所に共有して、事務所の方から改めてご連絡させますね。少々お待ちください。",
        "referral",
    ),
    (
        "Quick question about the link at the bottom of your email - if I opt out there, does that "
        "only stop the marketing emails, or would it also cancel the sample? I want to keep the "
        "sample and hear about the paid post, just not get the newsletter.",
        "interested",
    ),
    (
        "To be clear, I'm not asking you to stop emailing me! I just need everything in one "
        "message so I can decide: deliverables, rate, timeline.",
        "interested",
    ),
    (
        "Quick question: if I click the opt-out link in your footer, does that only stop the "
        "newsletter or does it cancel this collab too? Because I want the collab!",
        "interested",
    ),
    (
        "Thanks for reaching out! でも今回はdeclineさせてください🙇‍♀️\nNext timeまた機会があれば！",
        "decline",
    ),
    (
        "Don't stop sending me these lol, I actually like hearing about new launches.\nThis one's "
        "not for me (I'm oil-only at night) - what else do you have coming in spring?",
        "interested",
    ),
    (
        "メール下部の「配信停止」について質問です。\nもし停止した場合、サンプル発送についてのご連絡も"
        "届かなくなりますか？\n停止するつもりはないのですが、念のため確認させてください。",
        "interested",
    ),
    (
        'Please DON\'T unsubscribe me! Sorry — I replied "stop" to your last email by accident, that '
        "was meant for a different brand. Still very keen on the serum.",
        "interested",
    ),
    (
        "ストーリーズのみの投稿でもよろしければ、お受けできます。\nフィード投稿は今回は難しいです。",
        "interested",
    ),
    (
        "配信停止までしていただかなくて大丈夫なのですが、\n今回のお話はお断りさせてください。",
        "decline",
    ),
    (
        "I don't do free-sample-for-a-post deals, sorry. Paid I'm open to though: $350 for one "
        "reel + 3 stories, usage rights are extra.",
        "interested",
    ),
    (
        "I'm winding my account down and no longer working with brands, so it would be best if I "
        "weren't on your outreach list going forward.",
        "opt_out",
    ),
    # Resuming later and asking to be asked again then: a yes put off, so a decline now.
    (
        "いまは体調のこともあって案件をお休みしているのですが、2月から再開する予定です。\nその頃に"
        "またお声がけいただけたら嬉しいです！",
        "decline",
    ),
    ("今回は見送らせてください。またお声がけいただけたら嬉しいです。", "decline"),
    (
        "I haven't tried the Sakura Night Serum, so promoting it wouldn't feel honest to my "
        "audience. I hope that makes sense.",
        "decline",
    ),
    ("Hi, I've moved on from content creation. Please don't send further pitches here.", "opt_out"),
    ("メール送付不要です。以後お断りします。", "opt_out"),
    (
        "Not right now - December is chaos for me. But please ping me again in March, I'd "
        "actually like to do this.",
        "interested",
    ),
    # Where the address came from, asked out of curiosity, decides nothing.
    (
        "今回は見送らせてください。ちなみに、このアドレスはどちらでお知りになりましたか？"
        "プロフィールに載せているので問題はないのですが、参考までに。",
        "decline",
    ),
    (
        "Out of curiosity, who gave you my email? Not complaining - I'd love to try it.",
        "interested",
    ),
    ("How did you get my address? Please remove me.", "opt_out"),
    # A sign of interest inside a bracketed aside about something else turns nothing.
    (
        "I'll pass on this, sorry. (Totally unrelated, but do you ship to Canada? My mum would love it.)",
        "decline",
    ),
    (
        "I'll pass on the paid post (unrelated to that: I would love the free sample though!)",
        "interested",
    ),
    # A stop taken back with なんて, and a list taken off with 外して.
    (
        "配信停止なんてしませんよ〜笑\nむしろずっと待ってました！いつ頃発送になりますか？",
        "interested",
    ),
    ("案件メールが多すぎて対応しきれないので、申し訳ないですが外してくださいm(_ _)m", "opt_out"),
    ("配信停正お願いします", "opt_out"),
    ("配信定時お願いします\n（停止です、変換ミス）", "opt_out"),
    # Not now, with or without a time to ask again.
    ("春くらいならできるかもです\n今はむり", "decline"),
    ("敏感肌で美容液系NGなんです😢\n別の商品ならまたぜひ", "decline"),
    ("Ask me again after Lunar New Year - right now I can't take anything on.", "decline"),
    (
        "I'm taking a break from social media until February, so I can't take this on right now. "
        "Happy to chat once I'm back!",
        "decline",
    ),
    # A stop negated by who would say it, or only shown on a preview.
    (
        "I won't be asking you to remove me, ha - this actually sounds great. Can you send the "
        "sample to my PO box?",
        "interested",
    ),
    (
        'Sounds fun. If the answer is no, I\'m in.\nlol imagine someone replying "unsubscribe" to a '
        "paid offer. not me.",
        "interested",
    ),
    (
        "Down for it. Two conditions: no exclusivity longer than 30 days.\nJust a heads up though, "
        'your link preview shows "unsubscribe" in big letters in Gmail.',
        "interested",
    ),
    # Stops in formal and legal words.
    (
        "This is unsolicited commercial email. I am requesting removal under CAN-SPAM. Any further "
        "messages to this address will be reported to the FTC.",
        "opt_out",
    ),
    (
        "I don't do sponsored content and would appreciate being taken off your list.",
        "opt_out",
    ),
    ("I'd appreciate not being included in future campaigns.", "opt_out"),
    (
        "今後このようなご案内の送付はご遠慮いただけますよう、お願い申し上げます。\nなお、本アドレスが"
        "御社のリストに登録された経緯につきましても、差し支えなければご教示いただけますと幸いです。",
        "opt_out",
    ),
    # Staying on the list, or asked again later, keeps a no a no.
    (
        "No thanks on the serum. (No need to unsubscribe me - happy to hear about your other "
        "launches.)",
        "decline",
    ),
    (
        "I have to pass on this one.\nNo need for that, I'm happy to stay on your list. Just not this round.",
        "decline",
    ),
    (
        "I'd love to, honestly, but I can't this quarter. January is already full.\nPlease don't "
        "take me off the list though! Just not for this launch.",
        "decline",
    ),
    (
        "Ask me again in spring? I'm doing a no-sponsorship January and February to reset my feed. "
        "Would love to revisit after that.",
        "decline",
    ),
    (
        "今はちょっと難しいです💦\n春（3月ごろ）に落ち着くと思うので、そのときにまだ募集されていたら"
        "ぜひもう一度声かけてください！",
        "decline",
    ),
    # A yes with a request to be approached again then is put off, whatever month it names.
    (
        "現在、他社スキンケアブランドと専属契約を結んでおりますため、今回はお受けできかねます。\n"
        "契約期間が終了する来年4月以降でしたら検討可能ですので、その際に改めてご相談いただけますと幸いです。",
        "decline",
    ),
    (
        "いま引っ越し準備でバタバタしていて、しばらくは撮影できなそうです。\n"
        "落ち着いたら（2月以降とか）またご連絡いただけたら嬉しいです。",
        "decline",
    ),
    ("今は冬の案件でいっぱいいっぱいなので、春頃にまた声かけてもらえたら嬉しいです🌸", "decline"),
    (
        "前回お伝えした通り、スキンケアのPRは年内はお受けしておりません。\n年明け以降でしたらご相談"
        "可能ですので、その頃に改めてご連絡いただけますと幸いです。",
        "decline",
    ),
    # A condition that would make it a no is no refusal.
    (
        "Does the serum contain retinol? If it does it's a no for me since I'm breastfeeding, but if "
        "not I'm in.",
        "interested",
    ),
    ("今後の連落はご遠慮ください。", "opt_out"),
    (
        "I'm no longer taking brand pitches and would appreciate being taken off your contact list "
        "permanently. Merry Christmas!",
        "opt_out",
    ),
    # A timing condition after a yes; a partner's words quoted; 停止で.
    (
        "興味あります。投稿の締め切りはいつ頃でしょうか？年内だと少し厳しいかもしれないです。",
        "interested",
    ),
    (
        'lol my last brand partner literally told me "stop sending me drafts, just post it" - I like '
        "a bit more structure than that. Do you have a brief I could look at?",
        "interested",
    ),
    ("はなみラボさんも、すみませんが停止でお願いします。", "opt_out"),
    (
        "I'd love to, but no - I'm pregnant and avoiding a lot of actives right now. Maybe next year!",
        "decline",
    ),
    (
        "I'll pass on this campaign.\n\nAlways happy to hear about future ones though!",
        "decline",
    ),
    (
        "3月末まで同カテゴリのPRをお受けできない状況です。\n契約が明ける4月以降でしたら、ぜひ改めて"
        "ご相談させてください。",
        "decline",
    ),
    # Learners' English and Japanese.
    (
        "Sorry krub, I not want any more contact from company. Please take me out from the mailing.",
        "opt_out",
    ),
    ("I ask you kindly to eliminate my contact of your data base.", "opt_out"),
    ("Only thing I am interested is: to not receive more of these mails.", "opt_out"),
    (
        "Thank you na ka. Now I am not accept any sponsor because I take a break from YouTube for my "
        "health. Maybe next year you can ask me again",
        "decline",
    ),
    (
        "Thank you. I have no plan to promote serum product this season. It is not suitable for my channel now.",
        "decline",
    ),
    ("Sounds great, but actually I don't make paid posts of cosmetics.", "decline"),
    (
        "ざんねんですが、ことわります。いま妊娠中で肌がびんかんなので…\nまた来年おねがいします！",
        "decline",
    ),
    ("今回はえんりょします。\nでも、ほかの商品だったらまた話したいです！", "decline"),
    (
        'What is this link at the bottom "unsubscribe"? If I click it by mistake, I still can do the '
        "collaboration? I want to do it, please tell me next step.",
        "interested",
    ),
    # Not now, with a season to ask again; a stop asked for before.
    (
        "ただ年内は投稿枠がすべて埋まっておりまして…\n来年の春頃にまたお声がけいただけると嬉しいです🌸",
        "decline",
    ),
    (
        "My derm has me on a strict routine, so I can't try any new serums right now. Maybe another time.",
        "decline",
    ),
    (
        "I already asked to be unsubscribed two weeks ago and here's another email. Please honour "
        "that request.",
        "opt_out",
    ),
    # A no to the whole offer after a caveat; a no to one format stays a condition.
    (
        "お話自体にはとても興味があります。\nただ、成分表を拝見したところアルコールが入っているようで、"
        "私の肌には合わないため\n今回は見送らせていただきます。",
        "decline",
    ),
    (
        "ストーリーズのみの投稿でもよろしければ、お受けできます。\nフィード投稿は今回は難しいです。",
        "interested",
    ),
    # Put off until things settle or the timing fits.
    (
        "現在妊娠中のため、新しいスキンケアは控えておりまして…\n落ち着いたらまたぜひご一緒させてください。",
        "decline",
    ),
    ("今は年末で手一杯なので、春になったらまた声かけてください！\nその頃ならぜひ🌸", "decline"),
    ("ごめんなさい🙏\n今月PR枠いっぱいで…😭\nまたタイミング合えばぜひ！", "decline"),
    (
        "Honestly flattered, but I'm only taking on two partnerships this quarter and both are "
        "booked. Keep me in mind for Q2 :)",
        "decline",
    ),
    (
        "Omg I love Hanami Labs! But I'm taking a full break from sponsored content over the "
        "holidays - hit me up again in February?",
        "decline",
    ),
    (
        "I'm Owen's wife. He's in the hospital for a few weeks, so he won't be taking on any "
        "sponsorships this month. I'm sure he'd be happy to hear from you again later.",
        "decline",
    ),
    (
        "If the Sakura Night Serum is vegan and cruelty-free, count me in! Otherwise I'd have to "
        "pass. Could you confirm?",
        "interested",
    ),
    ("退会でお願いします。", "opt_out"),
    # Stops negated by a habit or an adverb; a yes with a timing caveat.
    (
        "Ha, I'm usually the first to hit unsubscribe on brand emails, but this one actually caught "
        "my eye. Send me the details?",
        "interested",
    ),
    ("配信停止とか全然しないので、これからも新商品の情報ぜひ送ってください！", "interested"),
    (
        "ぜひお受けしたいと思っております。\nただ年内は予定が詰まっているため、投稿は1月中旬以降に"
        "なってしまいますが、それでも問題ないでしょうか？",
        "interested",
    ),
    # Noes put off, for another product, or said after a yes-sounding opening.
    (
        "わー嬉しいです！でも年明けは引っ越しでバタバタなので、\n3月以降にまた声かけてもらえたら嬉しいです🌸",
        "decline",
    ),
    ("せっかくですが、今回はお見送りとさせてください。\nメンズラインが出た際はぜひ！", "decline"),
    (
        "Yes, I'd love to work with you guys at some point... but not this quarter. Maybe next year?",
        "decline",
    ),
    ("夜用セラムは肌に合わなくて…ごめんなさい🙏 また別の商品があればぜひ！", "decline"),
    ("いらないです、スキンケア足りてるので", "decline"),
    # Stops: formal, a slip, a parent's.
    (
        "貴社からのメールについて、オプトアウトを申請いたします。\n今後、本アドレスへの広告・宣伝"
        "メールの送信は行わないでください。",
        "opt_out",
    ),
    ("配心停止おねがいします", "opt_out"),
    (
        "Hello, I'm Rosie's dad - she's 15. Please don't send her any more of these emails.",
        "opt_out",
    ),
    # What the writer tells other brands; a disclaimer for misdirected mail.
    (
        "正直、他のブランドさんには「今後のご連絡はご遠慮ください」とお返事することも多いのですが、"
        "はなみラボさんは前から大好きなので是非お願いしたいです！",
        "interested",
    ),
    (
        "ストーリーズ1回＋リール1本で5万円（税別）でしたらお受けできます。いかがでしょうか。\n\nゆず\n"
        "―――――\n※本メールの内容に心当たりのない場合は、お手数ですがそのまま削除してください。",
        "interested",
    ),
    (
        "はなみラボさんのことは好きですが、メールは今後遠慮します。\n欲しい時はお店で買います😊",
        "opt_out",
    ),
    ("配信停上してください", "opt_out"),
    ("結構です。", "decline"),
    (
        "OKです、…と言いたいところですが、年末年始は帰省で撮影ができないので今回は難しいです💦\n"
        "1月中旬以降ならまたお話聞かせてください",
        "decline",
    ),
    (
        "今回はお受けできないです🙏\n来年4月以降ならぜひ！またお声がけください✨",
        "decline",
    ),
    # A yes-sounding opening turned down at once.
    (
        "I'd love to, but I'm pregnant and avoiding anything with retinoids at the moment. "
        "Definitely keep me in mind for other launches though!",
        "decline",
    ),
    (
        "Sounds great, but no — I only feature vegan products and I believe your serum contains honey.",
        "decline",
    ),
    (
        "I'd love to, but I have an exclusivity agreement with another skincare brand until June.\n"
        "Happy to chat after that!",
        "decline",
    ),
    (
        "Thanks but I'm already partnered with a night serum brand. Do keep me posted on your other "
        "products!",
        "decline",
    ),
    (
        "I don't accept free samples in exchange for coverage, and I'm not doing paid skincare posts "
        "right now. Thanks though.",
        "decline",
    ),
    (
        "Honestly I'd rather you didn't have my email on file at all. Could you delete it?",
        "opt_out",
    ),
    (
        "Kindly stop. I've never posted a skincare video in my life, I make woodworking content.\n"
        "Whatever list you pulled me from is wrong.",
        "opt_out",
    ),
    # A stop scoped to the newsletter, and one asked about after an accidental tap.
    (
        "I'm not opposed to it! Can you share the brief and the budget? Also fine with 配信停止 for "
        "the newsletter side, I just want collab emails.",
        "interested",
    ),
    (
        "Oh no, don't unsubscribe me!! I tapped the link at the bottom by accident. I'm definitely "
        "interested in the paid post - did the unsubscribe go through? Please keep me on.",
        "interested",
    ),
    ("pls remove thx\n\nsent from my iphone", "opt_out"),
    (
        "This address is for my kids' school stuff only. Not sure how you got it,\nbut please never use it again.",
        "opt_out",
    ),
    (
        "Not this time - my Q1 calendar is already full of partnerships.\nHappy to chat about Q2 if "
        "you're still looking then.",
        "decline",
    ),
    (
        "Hi Hana, we're winding the account down for the holidays and won't take on new collabs "
        "until February. Keep me in mind though!",
        "decline",
    ),
    # Long replies that change direction.
    (
        "I'm honestly not interested in the paid post. I just keep the channel ad-free.\n\nBUT - I "
        "would absolutely love to try the free sample. Is that something you'd be open to?",
        "interested",
    ),
    (
        "「ぜひ！」と言いたいところなのですが、少し事情をお話しさせてください。\n申し訳ありませんが、"
        "今回は辞退させていただきます。\n来年の夏以降でしたら、ぜひ前向きに検討させていただきたいです。"
        "\nその頃にまたお声がけいただけましたら、とても嬉しく思います。",
        "decline",
    ),
    (
        "企業様とのお仕事は、今後はお受けしないと決めました。\n今後一切のご連絡をお控えいただきますよう"
        "お願いいたします。\n桜ナイトセラムは、いつか自分で買って使ってみたいと思っています。",
        "opt_out",
    ),
    (
        "他社さんの美容液の案件は基本お断りしてるんですが、\n桜ナイトセラムは実は前から自分で買って使ってるので、ぜひ受けたいです！",
        "interested",
    ),
    (
        "Yes - I'd love to work with Hanami Labs at some point! But I'm exhausted: my February and "
        "March are fully booked. If you're planning anything for summer, please do come back to me - "
        "I'd be happy to look at it then.",
        "decline",
    ),
    (
        "I'm booked solid through March. So count me out for this one, I'm afraid.\nYes to future "
        "emails - please do get in touch again around May or June.",
        "decline",
    ),
    (
        "I'd already half-written \"yes please!\" in my head, so let me explain why this isn't a yes. "
        "It contains parfum. I'm afraid I can't use it. So it's a no to this particular product.",
        "decline",
    ),
    # Words about a shop's hours and mail, and relayed noes.
    ("配新停止をお願いします。", "opt_out"),
    (
        "We get dozens of these a week at the studio. Kindly stop sending them to info@ - it's for "
        "class bookings only.",
        "opt_out",
    ),
    (
        "This is Mia at the front desk. Dr. Park asked me to let you know she isn't taking on "
        "sponsored posts this quarter. Thanks for thinking of her!",
        "decline",
    ),
    (
        "Count me in! I also forwarded this to my friend Lily (lily.tran@example.com) who does "
        "skincare content too - she might reach out separately.\nWhat do you need from me?",
        "interested",
    ),
    # Stops said short, for two people, or by an assistant; noes held for a while.
    ("Not interested. Please don't reach out in future.", "opt_out"),
    ("You can stop. Not now, not later. Thanks.", "opt_out"),
    (
        "Please remove both me and my colleague Dana (dana.whit@example.com) from all your lists - "
        "we share a studio. Neither of us wants them.",
        "opt_out",
    ),
    (
        "This is Marco's assistant. Marco has asked me to let you know that he does not want to "
        "receive any further emails from Hanami Labs, at this address or his personal one. Please "
        "remove both.",
        "opt_out",
    ),
    (
        "実は現在妊娠中で、スキンケアをしばらく変えたくないため今回は控えます。\n産後落ち着いたらまたぜひお声がけください！",
        "decline",
    ),
    (
        "ただ今月から他社さんのアンバサダー契約が始まって、同カテゴリーのPRは1年間NGなんです😢\n来年の冬にまたぜひ！",
        "decline",
    ),
    # A stop scoped to this one campaign is a no to this offer.
    (
        "この「桜ナイトセラム」の案件だけ、リストから外していただけますか。\nすでに別ブランドの"
        "ナイトセラムを紹介しているためです。\n他のキャンペーンのお話は引き続き歓迎です！",
        "decline",
    ),
    # An opt-out considered and not sent.
    (
        "正直、最初は「配信停止」と返信しようかと思ったのですが…（笑）\n"
        "成分を拝見したら気になってしまいました。サンプル希望です！",
        "interested",
    ),
    # Not now, but this very offer in a named month.
    ("Not right now, I'm moving house in December, but keep me posted for January?", "interested"),
    # The footer's mechanism described, then a question.
    (
        'Quick question - your footer says to reply "unsubscribe" to opt out, but I don\'t want '
        "that, I just wanted to ask whether the paid post includes usage rights for ads?",
        "interested",
    ),
    # A yes under "if" is a condition, not a yes.
    (
        "Please stop sending me PR emails. If I'm interested in a brand I'll reach out to them "
        "myself.",
        "opt_out",
    ),
    # A company's legal refusals.
    (
        "In accordance with PECR, please ensure that this address and all addresses at our "
        "domain are removed from your marketing lists with immediate effect.",
        "opt_out",
    ),
    (
        "特定電子メールの送信の適正化等に関する法律に基づき、本アドレスへの広告宣伝メールの送信を"
        "拒否いたします。\n\n※本メールは送信専用アドレスではございません。",
        "opt_out",
    ),
    # A privacy notice below the sign-off speaks to the sender's own customers.
    (
        "We'd be interested in the paid post. What usage rights would you need?\n\nBest,\n"
        "Renee Alvarez\nOwner, Stop & Glow Skin Studio\nPrivacy Policy: We do not share client "
        "information. To stop receiving our appointment reminders, reply STOP.",
        "interested",
    ),
    # An agency named only in a sign-off with no closing word: no one to write to.
    (
        "I'm interested! I'm away until Jan 18 though - could we set up a call after that?\n\n"
        "Felix Nord\nRepresented by Bluehour Talent, 12 Queen St W, Toronto ON M5H 0A0\n"
        "Sent from my iPhone",
        "interested",
    ),
    # Asked once already and still arriving.
    ("以前にも停止をお願いしたはずですが、まだ届いています。\n至急対応してください。", "opt_out"),
    (
        "PRのご依頼をいただけるのは嬉しいのですが、最近数が多すぎて追いきれないので、申し訳ないですが"
        "こちらの配信からは外してもらえますか？",
        "opt_out",
    ),
    (
        "あのーすいません\nこういうのあんまり受け取りたくないので止めてもらえますか\nすみません",
        "opt_out",
    ),
    # A no with the door open once a contract ends.
    (
        "現在、競合ブランド様と年間契約を結んでいるため、美容液のPRはお受けできかねます。\n"
        "契約期間が明けましたら、またぜひよろしくお願いいたします。",
        "decline",
    ),
    # Booked now, a later month for this offer.
    (
        "When's the launch date? I'm fully booked until mid-January but could definitely do "
        "something in late January or early Feb if that works with your schedule.",
        "interested",
    ),
    # Dictation's homophones for the words of a stop.
    ("大変恐縮ですが今後このようなご案内は配信定詞でお願いします", "opt_out"),
    ("メール配信を会場してください\n毎回来るので", "opt_out"),
    ("Un subscribe please", "opt_out"),
    ("Know more emails please thank you", "opt_out"),
    ("今回は自体させていただきます　また機会があれば", "decline"),
    # Family answering for the talent is not a contact to continue with.
    (
        "ご担当者様\n\n妻（@kotetsu_shiba）に代わって返信いたします、夫です。\n本人は興味があるそうなので"
        "すが、念のため原材料表を送っていただけますでしょうか。",
        "interested",
    ),
    # "STOP." as an exclamation, then a yes.
    (
        "STOP. This is perfect timing, I was literally looking for a night serum. Mum's fine "
        "with it. Send details?",
        "interested",
    ),
    # A parent's legal stop.
    (
        "This is Lily's father. Lily is 12 and is not permitted to receive marketing emails. "
        "Please confirm that you have removed her address from your system.",
        "opt_out",
    ),
    # The talent stays the contact: no one else to write to.
    (
        "ゆずです。ぜひ参加したいです！\n今後のご連絡は母にもCCで入れていただけますか？"
        "（やり取りの窓口は私のままで大丈夫です）\nあと、保護者の同意書は不要でしょうか？",
        "interested",
    ),
    # A yes, then a condition under which it would be hard.
    (
        "はい、ぜひやらせていただきたいです。\nただ一点、競合ブランドのPRはお断り、といった縛りがある場合は"
        "お受けが難しいので、\nその点だけご確認いただけますか？",
        "interested",
    ),
    # Retiring, with thanks: no more mail to this address.
    (
        "いつも素敵なご提案をありがとうございます。\nただ、今年いっぱいで発信活動を終了することにいたしました。"
        "\n今後はこちらのアドレスにご案内をお送りいただかなくて問題ございません。",
        "opt_out",
    ),
    ("Appreciate it, but I'm not doing paid skincare posts at the moment.", "decline"),
    # A refusal under "if it is," is a condition; a question before it.
    (
        "Quick question before I decide: is the serum tested on animals? If it is, I'll have to "
        "pass, but otherwise I'd be happy to try it.",
        "interested",
    ),
    (
        "You've emailed my work address. Please stop \u2014 I don't do collabs and I don't want "
        "these landing here.",
        "opt_out",
    ),
    # A no to one option, then a rate card.
    (
        "No thanks to the gifted option - I only do paid. My current rates:\n\n- Instagram Reel: "
        "$800\n- TikTok: $650\n\nUsage rights are extra. Let me know what works for you!",
        "interested",
    ),
    # How to leave the sender's own newsletter, pasted from a media kit.
    (
        "Hi Hana! Would love to do this. Pasting my kit so you have the numbers:\n\n~~~~~~~~~~\n"
        'Newsletter: The Glow Memo\n(to remove yourself, click "unsubscribe" in any issue)\n'
        "~~~~~~~~~~\n\nWhich option were you thinking - paid or sample?",
        "interested",
    ),
    (
        "申し訳ありませんが、スキンケア商材のPRは現在お受けしておりません。\n\n【お仕事について】\n"
        "１．現在お受けしているジャンル：ヘアケア／メイク\n"
        "２．メルマガ（月1回）の配信停止はプロフィールのリンクから",
        "decline",
    ),
    (
        "Appreciate the offer, but I don't really promote skincare - my audience is mostly into "
        "gaming and tech. Happy to hear about anything else you launch though!",
        "decline",
    ),
    ("Not sure where you found my email, but I'd rather you lost it. Thanks.", "opt_out"),
    ("メルマガ的なものは全部解約してるので、\nこちらも止めてもらえますか。", "opt_out"),
    ("二回目です。停止を。", "opt_out"),
    # A no with a yes put off until the brand is certified.
    (
        "Unfortunately I only partner with brands that are Leaping Bunny certified - so it's a no "
        "from me for the Sakura Night Serum.\n\nIf you get certified, I'd genuinely love to hear "
        "about it.",
        "decline",
    ),
    # A manager named only to say she is not needed.
    (
        "Hey! No need to go through my manager for this one, she said gifted products are fine "
        "for me to handle myself. Send it over and I'll post once I've used it for a week.",
        "interested",
    ),
    # Written through a translator or not in the writer's own language.
    ("Hello. I have no interest and please not to write me again at all.", "opt_out"),
    (
        "Appreciate the offer. Not now - maybe in the future, but now is not good timing for me.",
        "decline",
    ),
    ("リストから私を外すしてください", "opt_out"),
    (
        "Thanks but skincare is not my field, my content is all about cars. Not fit I think.",
        "decline",
    ),
    (
        "せっかくですが、今回の案件は見送りをさせていただきます。\nまたの機会によろしくお願いします。",
        "decline",
    ),
    # A refusal under the trial the writer proposes: no refusal yet.
    (
        "サンプルだけ先にいただいて、実際に使ってみて気に入ったら投稿する、という形でもよろしいでしょうか？\n"
        "合わなかった場合は投稿を控えさせていただきたいです。",
        "interested",
    ),
    (
        "Could you send a sample first? If it doesn't suit my skin, I'll pass on the post, "
        "but I'd love to try it.",
        "interested",
    ),
    # Rude and short.
    ("送ってくんな。迷惑", "opt_out"),
    ("f*** off with the spam", "opt_out"),
    # About to unsubscribe, then interested.
    (
        "正直、またよくある営業メールかと思って配信停止しようとしてたんですが、\n"
        "内容を読んだら気になりました笑\n成分表をいただけますか？",
        "interested",
    ),
    ("Neither, thanks. I'm cutting back on skincare content for a while.", "decline"),
    # A legal request to erase the data, with a confirmation asked to this address.
    (
        "貴社が保有している私の個人情報（メールアドレス）の利用停止および消去を求めます。\n"
        "対応が完了しましたら、その旨を本アドレスまでご連絡ください。",
        "opt_out",
    ),
    # A decline signed off "Warmly," above an agency line with no address.
    (
        "Hi Hana,\n\nThanks for getting in touch. I'm under an exclusivity agreement with another "
        "skincare brand until June, so I can't work with Hanami Labs on this campaign.\n\nWarmly,\n"
        "Sienna Mae\nRepresented by Lumen Talent Group",
        "decline",
    ),
    # The writer's own newsletter below a "---" line.
    (
        "Sounds fun! Send the sample over and I'll include it in my January empties video.\n\n---\n"
        "Milo Park | Skin notes every Sunday\n"
        "Unsubscribe from my newsletter: milopark.example.com/unsub",
        "interested",
    ),
    # Our footer's word, quoted and turned down.
    (
        "メールの下に「配信停止」とありましたが、停止ではなく、詳しい資料をお送りいただきたいです。",
        "interested",
    ),
    ("配信ｽﾄｯﾌﾟ希望", "opt_out"),
    # Forms answered by ticking boxes: an empty box is an option not chosen.
    ("[ ] Yes\n[x] Not this time\n[ ] Remove me from the list", "decline"),
    ("[x] Yes, send the sample\n[ ] Not this time\n[ ] Remove me from the list", "interested"),
    ("以下にチェックしました。\n\n□ 参加する\n■ 今回は参加しない\n□ 今後の案内も不要", "decline"),
    (
        "以下に該当します。\n\n■ 案件に興味がない\n■ 今後のメール送付を希望しない\n□ 条件次第で検討する",
        "opt_out",
    ),
    (
        "1. 有償投稿 → ×\n2. サンプル提供のみ → ×\n3. 理由 → 同カテゴリーの他ブランドと年間契約中のため\n\n"
        "ご理解いただけますと幸いです。",
        "decline",
    ),
    (
        "Hi Hana, happy new year to you too! Just a heads up that I've stepped back from "
        "collaborations completely, so I'd appreciate being removed from any future mailings from "
        "your team.",
        "opt_out",
    ),
    # Where the address came from: a demand, or a question answered and fine.
    ("Please tell me where you obtained my email address.", "opt_out"),
    (
        "Appreciate you explaining where you found my email - it's on my public media kit, so "
        "that's totally fine. I'll pass on the serum though.",
        "decline",
    ),
    (
        "Our company bought this domain last year. We don't work with skincare brands, so no "
        "thanks on the sample.",
        "decline",
    ),
    ("I'm managed by Loop Talent these days, please send proposals to them. Cheers", "referral"),
    # The writer's own signature box, with its notes (「※今後のご連絡が不要な場合は…」).
    (
        "はなみラボ 桜井様\n\nご連絡ありがとうございます。興味があります！\n投稿時期はいつ頃を想定されていますか？\n\n"
        "――――――――――――――\nあやの\nayano.style@example.jp\n"
        "※本メールにお心当たりのない方は、お手数ですが破棄してください。\n"
        "※今後のご連絡が不要な場合は、その旨ご返信ください。\n――――――――――――――",
        "interested",
    ),
    # The writer's own newsletter footer below her sign-off.
    (
        "Sounds great, please send more details!\n\nMel x\n\n---\nYou're receiving this because "
        "you subscribed to Mel's Monthly. To unsubscribe from my\nnewsletter, reply STOP or click "
        "here: https://melsmonthly.example.com/unsub",
        "interested",
    ),
    (
        "I have very reactive skin and I only partner with fragrance-free brands, and the Sakura\n"
        "Night Serum lists parfum, so it's not one I can take on. Thanks for thinking of me.",
        "decline",
    ),
    (
        "Thanks, but I don't do gifted-only, and I'm not taking paid skincare deals this quarter "
        "either. Pass.",
        "decline",
    ),
    (
        "Appreciate you reaching out! My channel is almost entirely strength training and meal "
        "prep, so a night serum wouldn't really be a fit for my audience.\n\nCheers,\nJordan",
        "decline",
    ),
    # The writer's own signature: a box drawn with corners, and its notes.
    (
        "サンプルぜひいただきたいです！送付先は下記になります。\n"
        "使ってみて気に入ったら、リールでご紹介させていただきますね。\n\nなな\n"
        "┏━━━━━━━━━━━━━━━━━┓\n　なな｜プチプラ＆デパコス\n　Instagram @nana_skin\n"
        "┗━━━━━━━━━━━━━━━━━┛\n"
        "※ブログ更新メールの配信停止をご希望の方は、件名に「配信停止」と記載してご返信ください。\n"
        "※本メールの無断転載はご遠慮ください。",
        "interested",
    ),
    # A company's notice and its newsletter's stop link below the signature box.
    (
        "社内で検討いたしましたが、今回は当アカウントの方向性と合わないため、\nお断りさせていただきます。\n"
        "またの機会がございましたら、よろしくお願いいたします。\n\n"
        "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\nアトリエもも　広報担当　桃井 亜美\n"
        "TEL 075-987-6543\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n"
        "このメールに記載された内容は、特定の個人または法人のみを対象としています。\n"
        "アトリエもものメールマガジン配信停止は https://atelier-momo.example.jp/mm/stop から承ります。",
        "decline",
    ),
    # A decline signed with a Japanese name, above the signature's own line about where work goes.
    (
        "ナイトケアのアイテムは先月別ブランドさんのものをご紹介したばかりなので、\n"
        "続けての投稿は控えたく、今回は見送らせていただきます。\n\nあやね\n"
        "✉ お仕事のご依頼はこちらのアドレスで承っております\n"
        "※いただいたメールへの返信は3営業日以内を目安にしております",
        "decline",
    ),
    # Other brands' newsletters, stopped; this one wanted.
    (
        "他社さんのメルマガは全部配信停止しているのですが、桜ナイトセラムはずっと気になっていました！\n"
        "成分表をいただけますか？",
        "interested",
    ),
    (
        "Appreciate the offer. I only feature skincare after testing it for three months, and\n"
        "I'm travelling till mid-Feb, so there's no way I can test it properly. Passing this time.",
        "decline",
    ),
    # Other brands' PR held back: a decline (only other brands' mail negates a stop).
    (
        "わー、お誘いうれしいです！\nでも今ちょうど自分のブランドの立ち上げ準備をしていて、他社さんのPRは控えているんです。\n"
        "ごめんなさい、また落ち着いたらよろしくお願いします✨",
        "decline",
    ),
    # A busy fortnight with a later date proposed: a yes.
    (
        "Happy to! One question: would it be ok to post in late January instead? My calendar for "
        "the next two weeks is full.",
        "interested",
    ),
    (
        "Quick one before we close for the year: Jess has left our agency, and the rest of our "
        "roster isn't taking beauty deals any more. Please take all of us off your list, including "
        "this inbox.",
        "opt_out",
    ),
    (
        "弊社所属の両名（藤咲・小川）に確認いたしましたが、今回はどちらもご辞退とさせていただきます。\n"
        "また別の機会がございましたら、その際はぜひよろしくお願いいたします。",
        "decline",
    ),
    ("maybe later but not rn, too much going on. thx tho", "decline"),
    (
        "Thanks, but I don't handle deals directly. Please go via my agent -\nthey'll be able to help.",
        "referral",
    ),
    # A busy spell then what could be filmed after it is a yes about timing.
    (
        "I'm fully booked until the 20th but could film over the holidays and have it up in "
        "January.",
        "interested",
    ),
    ("pls remove this email from your outreach. thx", "opt_out"),
    ("Would you mind unsubscribing me from these outreach emails?", "opt_out"),
    ("方針を確認できなかったので、今回はお受けを控えます。", "decline"),
    # A stop's words in a joke about wanting the product are a yes.
    (
        "Please remove me from the list of people who haven't tried this yet :) Would love a "
        "sample - I'm in Melbourne, is that okay?",
        "interested",
    ),
    ("まだ使ったことがない人リストから外してください笑 ぜひサンプルをお願いします!", "interested"),
    ("Thank you, but please don't include me in these campaigns in future.", "opt_out"),
    (
        "No hard feelings, but I'd like to opt out of anything Hanami Labs sends from here on.",
        "opt_out",
    ),
    ("I'm stepping back from social media, so I won't be taking on any posts.", "decline"),
    # An earlier stop to another brand, told as a past event, is no stop now.
    (
        "サンプル、ぜひお願いします！\nちなみに以前、別のブランドさんのサンプルを受け取った後に"
        "「配信停止」と返信したことがあるのですが、あれは肌に合わなかったからで…",
        "interested",
    ),
    (
        "Haha I unsubscribe from basically every brand email I get, but this one's an exception. "
        "Could I get a sample first?",
        "interested",
    ),
    (
        "This address is for my photography business and I don't work with beauty brands. "
        "Please don't email here again.",
        "opt_out",
    ),
    (
        "I don't work with brands and I'd appreciate not getting emails like this. Thanks.",
        "opt_out",
    ),
    (
        "I'm launching my own skincare line next year, so I'm not partnering with other skincare "
        "brands.",
        "decline",
    ),
    # Where a parcel should not go is a condition of the yes.
    (
        "I'd love to try the serum. Is it possible to ship to a P.O. box? I'd rather not have "
        "branded packages arriving at my office.",
        "interested",
    ),
    ("I'd like to unsubscribe from all Hanami Labs emails. Thanks.", "opt_out"),
    ("キャンプ系なので美容はちょっと…というか、こういうの全部ストップでお願いします🙏", "opt_out"),
    (
        "Sounds great. What's the budget? My December calendar is packed but January is wide open.",
        "interested",
    ),
    # A product that did not agree with her skin is no word about consent.
    (
        "I tried a sample at a pop-up and it didn't agree with my skin, so I wouldn't feel honest "
        "promoting it.",
        "decline",
    ),
    (
        "私のメールアドレスはどのような経緯で取得されたものでしょうか。本人の同意なく取得・利用されて"
        "いるのであれば、直ちに利用を停止し、削除したうえでその旨をご回答ください。",
        "opt_out",
    ),
    (
        "Thanks Hana, but my skin's been really reactive this winter and I'm not introducing "
        "anything new until it calms down.",
        "decline",
    ),
    # What she usually does, with a comma after 普段, is no request now.
    (
        "普段、企業さんからのDMやメールはほぼ全部お断りしてるんですけど、桜モチーフは私のチャンネルの"
        "テーマそのものなので、これはお断りできないです笑 サンプルからでも大丈夫です。",
        "interested",
    ),
    # Where to send the confirmation of a legal request is no referral.
    (
        "個人情報保護法に基づき、貴社が保有する私の個人情報の利用停止および消去を請求します。\n"
        "あわせて、今後の送信を停止してください。\n対応完了のご連絡のみ、本アドレス宛にお願いいたします。",
        "opt_out",
    ),
    (
        "お話はありがたいんですが、今はYouTubeに集中したくて、インスタでのPRは全部断ってます。",
        "decline",
    ),
    ("Thanks, but I don't think so. I only review products after 8 weeks of use.", "decline"),
    # Someone else's first reaction, quoted and then changed.
    (
        'Funny story: Owen\'s first reaction was "tell them to stop emailing us", and then he read '
        'the words "night serum" and changed his tune completely. We\'d both love to try it.',
        "interested",
    ),
    ("Not interested, and please don't email either of us again.", "opt_out"),
    (
        "Dad here, I look after the email for our family channel. The kids held a vote and they'd "
        "rather not do skincare content.",
        "decline",
    ),
    # Others' yes after her own stop does not take it back.
    (
        "I'm not part of the Bloom Sisters account anymore. Please take my email off your list. My "
        "sisters still run it and they'd probably be happy to hear from you, just not through me.",
        "opt_out",
    ),
    (
        "Kind of you to reach out, but I'd rather not be on any brand or PR lists going forward.",
        "opt_out",
    ),
    ("すみません、もう連絡はいいです。", "opt_out"),
    (
        "I'd rather this inbox stayed brand-free going forward, so if you could make a note of that "
        "on your end and not write again, I'd appreciate it.",
        "opt_out",
    ),
    # A talent's own "send … to this address" is a yes, not a referral.
    ("Please send the sample and brief to this address, I'd love to try it!", "interested"),
    (
        "Thanks Hana, but I don't do paid skincare posts - I only talk about products I've bought "
        "myself.",
        "decline",
    ),
    ("I'd like to withdraw my consent to be contacted by Hanami Labs.", "opt_out"),
    ("Nope.", "decline"),
    ("Already working with another serum brand, can't.", "decline"),
    ("他社さんと契約中なのでNGです", "decline"),
    # Other brands' mail she had stopped is not this one.
    ("他のPRメールは全部止めてもらったけど、これは気になる…詳しく！", "interested"),
    ("勝手にアドレス使わんといてください。", "opt_out"),
    ("どっから手に入れたん？このアドレス", "opt_out"),
    ("I'm writing to ask that Hanami Labs stops sending me marketing emails.", "opt_out"),
    ("Please confirm I've been removed.", "opt_out"),
    ("I only feature products I've used for months, so I won't be able to do a post.", "decline"),
    # A friend's request to stop, reported: not the writer's.
    (
        "My friend said she asked you guys to stop emailing her, but I love launches! IG or TikTok?",
        "interested",
    ),
    # A stop limited to a product sent before, beside a no to this one.
    (
        "The toner you sent broke me out, so please don't send me any more of those. I'll sit "
        "this serum out.",
        "decline",
    ),
    (
        "前回のマスクは肌に合わなかったので、あのマスクはもう送らないでください。今回は見送ります。",
        "decline",
    ),
    # Only "can't yet": no decline.
    ("I won't be able to do a post until January, but I'd love to after that!", "interested"),
    ("メルマガ的なのは要らないので、外しといてください〜", "opt_out"),
    ("I wonder whether I might ask how you came by this address?", "opt_out"),
    ("I'd be grateful if it could be removed from whatever list it's on.", "opt_out"),
    ("このアドレスには、今後はもうお送りいただかんでも結構ですよって。", "opt_out"),
    ("今後のご案内につきましても、お送りいただくには及びません。", "opt_out"),
    ("I am not influencer anymore. Please don't send me more of these emails, thanks.", "opt_out"),
    ("It looks nice, but I'm not sure it's quite right for my page at the moment.", "decline"),
    ("Skincare isn't really my patch, so I'll let this one go by.", "decline"),
    (
        "うちみたいな小さいアカウントにはもったいないお話やと思いますので、"
        "今回はちょっと考えさせてもらいますね。",
        "decline",
    ),
    ("うちのとこはそういうの、あんまり向いてへんと思いますので、今回はよろしいわ。", "decline"),
    # No need to send the sample: she will buy it herself.
    ("サンプルはお送りいただかなくても結構です、自分で購入して試してみます！", "interested"),
    # A yes only to another kind of offer keeps the no to this one.
    (
        "せっかくですが今回はやめておきます🙇‍♀️\nヘアケア系の案件なら興味あるので、もしそういうのがあればまた！",
        "decline",
    ),
    ("スキンケア系の案件なら大歓迎です！詳細を教えてください", "interested"),
    (
        "I don't recall ever giving Hanami Labs my email address. Could you tell me where you got "
        "it from, and then delete it please.",
        "opt_out",
    ),
    # A no only if the serum has fragrance, then a yes.
    (
        "If the serum has added fragrance I'd have to say no, my skin hates it. But if it's "
        "fragrance-free, I'm definitely in - can you send me the ingredient list?",
        "interested",
    ),
    # Busy until mid-January, then a counter-offer on the date.
    (
        "I am interested but my schedule is packed until mid-Jan. Would it be possible to post in "
        "the last week of January? If yes, please share the brief.",
        "interested",
    ),
    ("メールはストップで🙅‍♀️", "opt_out"),
    ("I'd like to opt out of any future pitches from you. Thanks.", "opt_out"),
    # The question is about the stop: is replying enough?
    (
        "配信停止をお願いします。\n下のリンクを押してみたのですが、うまく開けなかったのでこちらに返信しました。\n"
        "これで大丈夫でしょうか？",
        "opt_out",
    ),
    (
        "Unfortunately I can't accept this one, my school has rules about students doing "
        "sponsorships and I don't want to get in trouble.",
        "decline",
    ),
    # Busy in December, a yes in principle for January.
    (
        "Maybe! I'm fully booked for December, but January looks quieter. Could you ping me again "
        "early in the new year with the details? Interested in principle.",
        "interested",
    ),
    ("リスト削除お願いします。", "opt_out"),
    ("しつこいわ。もうメールいらんから。", "opt_out"),
    # A best friend's advice, quoted and not taken.
    (
        "lol my best friend literally told me 'just reply unsubscribe to all these brand emails' but "
        "I actually love the packaging so here I am. What would you need from me?",
        "interested",
    ),
    (
        "No. I'm not promoting a product I've never heard of in exchange for one free bottle of it. "
        "If you ever come back with an actual budget, fine, we can talk. This, no.",
        "decline",
    ),
    (
        "大変申し訳ございませんが、メールマガジン・ご案内ともに配信停止をお願いいたします。",
        "opt_out",
    ),
    # Asked where the address came from, then "please tell me": the same question.
    (
        "どうしてこちらのアドレスをご存知なのでしょうか…？\nプロフィールにも載せていないものなので驚いています。\n"
        "教えていただけますか。",
        "opt_out",
    ),
    ("なんやこれ。頼んでへんで。\nもう送ってこんとってな。", "opt_out"),
    (
        "すみません、PRのご連絡はもう受け付けていないので、このアドレスは外してもらえますか🙇‍♀️",
        "opt_out",
    ),
    (
        "Thanks for the offer, here's where I landed:\n\nPaid post - no\nGifted sample - no",
        "decline",
    ),
    ("3月の特集に合わせて紹介できたらいいなと思ってます！詳細を教えてください。", "interested"),
    # "paid post: no need" inside a yes to the sample.
    (
        "Honestly there's no need to pay me.\n\nSo:\n- gifted sample: yes please\n- paid post: no need"
        "\n\nWhere should I send my address?",
        "interested",
    ),
    (
        "I'm currently pregnant and my dermatologist has asked me to keep my routine really "
        "minimal, so I don't think I can take this on right now.",
        "decline",
    ),
    # Booked through February, then a date offered.
    (
        "I'd be up for it but I'm fully booked through February. Would a post in mid-March work "
        "for you? If yes, I can lock in a date now.",
        "interested",
    ),
    (
        "Good day. Please I ask you to not write to this address no more. I am not blogger, it is "
        "mistake. Delete please.",
        "opt_out",
    ),
    (
        "このようなメールを受け取る理由に心当たりがありません。\n"
        "どのような経緯で私の連絡先を取得されたのかご説明ください。",
        "opt_out",
    ),
    (
        "今は年末で投稿がかなり詰まっておりまして、新しい案件をお受けする余裕がございません。",
        "decline",
    ),
    # Not now, with a request to come back later: a decline for now.
    (
        "Hey Hana - appreciate it but my content calendar is booked solid through March. Could you "
        "circle back in spring? I'd be open to chatting then.",
        "decline",
    ),
    (
        "I'm under an exclusive with another skincare brand until the end of March, so I have to "
        "pass for now. If you're still looking for creators after that, I'd be happy to hear from "
        "you again.",
        "decline",
    ),
    (
        "I'm between contracts at the moment and not signing anything new until my next management "
        "deal is sorted. Could you check back in a couple of months?",
        "decline",
    ),
    # A manager copied, and a turn to this matter: she answers herself.
    (
        "マネージャーの森本（morimoto@example.com）をCCに入れておりますが、本件は私から直接お返事させて"
        "いただきますね。\n桜ナイトセラム、ぜひ使ってみたいです！",
        "interested",
    ),
    # A break until spring, then a yes to hearing from us then: a decline for now.
    (
        "I'm actually taking a break from all sponsored content until spring, so I can't take this "
        "on right now. Feel free to reach back out in April though - I'd be happy to hear from you "
        "then.",
        "decline",
    ),
    ("御社からのメールは今後、PRのご案内を含め一切受け取りを希望いたしません。", "opt_out"),
    # Rates and a date offered, then "let me know which works": a counter-offer.
    (
        "A paid post is doable but my rate for a dedicated integration is $1,200. Also I'd need it "
        "to be early February, January is fully booked. Let me know which works.",
        "interested",
    ),
    (
        "私のメールアドレスをどのような経緯で入手されたのか教えていただけますか。\n"
        "個人情報の取り扱いについて説明をお願いします。",
        "opt_out",
    ),
    ("今後このアドレスに送るのはやめてください\nよろしくです", "opt_out"),
    ("スパムやめろ", "opt_out"),
    (
        "This isn't the right time for me — I'm winding down collaborations for the next few "
        "months. Please feel free to reach out again in the spring though.",
        "decline",
    ),
    # How we got her address, mentioned only to say she will not ask: a yes.
    (
        "Before anyone asks - no, I'm not going to ask how you got my email, it's right there in my "
        "bio for brand work :) I'd love to do a paid post. Could you send over a brief?",
        "interested",
    ),
    # A yes with a later date; the busy month is the reason for the date.
    (
        "I usually ignore skincare pitches, but I used a sakura toner last spring and loved it, so... "
        "yes, I'm in. Would it be okay if the post went up mid-January instead of December? My "
        "December calendar is already packed.",
        "interested",
    ),
    # A no only if the serum is scented.
    (
        "If the serum is fragrance-free I'm a yes! If it's not, I'd have to say no, because my "
        "eczema flares with anything scented. Can you confirm either way?",
        "interested",
    ),
    (
        "何度もメールが届くのですが、解除の方法がわかりません。\n下のリンクを押してもエラーになってしまいます。\n"
        "お手数ですが、そちらで配信を止める処理をしていただけますか。",
        "opt_out",
    ),
    (
        "It's not a good time for me right now, I'm moving house and have paused all collabs until "
        "about March. Maybe reach out again then? Would be happy to hear about whatever you're "
        "launching.",
        "decline",
    ),
    (
        "A night serum with sakura branding may not suit my audience. So I will not be able to take "
        "this up. Wishing you success.",
        "decline",
    ),
    # 「お役に立てるかもしれません」 offers more, no refusal.
    (
        "前向きに検討させてください。ブログで詳しいレビュー記事を書かせていただくことは可能でしょうか。"
        "そちらの方がお役に立てるかもしれません。",
        "interested",
    ),
    (
        "勝手に送りつけてくるのやめてください。\n個人情報の扱いどうなってるんですか。至急消してください。",
        "opt_out",
    ),
    (
        "I find unsolicited pitches to my personal email a bit intrusive. I'd appreciate it if you "
        "deleted my address and didn't reach out again.",
        "opt_out",
    ),
    # Her sister's rule, quoted; she asks about the product.
    (
        "My sister's rule is \"never answer a brand cold email, just hit unsubscribe\" lol. But I'm "
        "curious. Is the serum fragrance-free?",
        "interested",
    ),
    # A yes, then a later week because December is busy: a condition of the yes.
    (
        "ぜひお受けしたいです。\nただ12月は予定が詰まってるので、投稿は1月の第2週くらいになってもよいですか？",
        "interested",
    ),
    # Last spring's requests to every brand, told as the past.
    (
        "Funny timing: last spring I asked pretty much every brand to stop emailing me because I "
        "was burnt out. I'm back now and honestly this one sounds lovely. Gifted sample first?",
        "interested",
    ),
    # Her own yes, and where to send the papers: this address, no referral.
    (
        "ぜひお引き受けしたいと思っています。\n\n契約書や投稿ガイドラインなど、遠慮なくこちらのアドレスに"
        "お送りください。",
        "interested",
    ),
    # Worried about her data, not curious about the serum.
    (
        "失礼ですが、このメールアドレスはどちらでお知りになりましたか？\n個人情報の扱いが気になりますので、"
        "経緯を教えてください。",
        "opt_out",
    ),
    ("I don't know how you got my email but please stop. I don't do sponsored content.", "opt_out"),
    # Mail is still welcome: a decline only.
    (
        "今回のお話は辞退させていただきます。\nメール自体は今後も送っていただいて大丈夫です。",
        "decline",
    ),
    # Our footer quoted inside her own sentence, then her answer.
    (
        'You wrote "If you would rather not hear from us again" - I would rather not. Please '
        "remove me.",
        "opt_out",
    ),
    (
        "実は今育休中で、SNSの発信もしばらくお休みしております。\n落ち着いたらまた活動を再開する予定ですので、"
        "その際に改めてご連絡いただけると嬉しいです。",
        "decline",
    ),
    # What she replied to other brands last year, quoted by her husband.
    (
        'Funny story - last year Hazel replied "please remove me" to pretty much every brand that '
        "emailed her. But she actually read it and asked me to write back and say yes!",
        "interested",
    ),
    # Her husband, once, with her counter-offer; "I'll pass it straight on" is no pass.
    (
        "Cleo's husband, replying for her since she's on a shoot. She's keen, but gifted-only isn't "
        "really something she does any more. She'd do a reel plus three stories for $600. Let me "
        "know and I'll pass it straight on.",
        "interested",
    ),
    (
        "Please take my son's address off your list. He's asked me to deal with these for him and "
        "the answer is he doesn't want them.",
        "opt_out",
    ),
    # Parcels not to the old PO box: no stop.
    (
        "Wren's partner here. Quick one: please stop sending anything to her old PO box - she's "
        "moved. She's really excited to try it!",
        "interested",
    ),
    ("Opt her out please. Replying for Nina, she asked me to.", "opt_out"),
    ("しつこいなあ。もうええって。\nメール要らんから止めといて。", "opt_out"),
    ("🙅‍♀️🙅‍♀️ 停止", "opt_out"),
    ("メール多すぎ。解除して", "opt_out"),
    ("てーしして", "opt_out"),
    ("配信低視でおねがいします", "opt_out"),
    ("うけとりきょひします", "opt_out"),
    ("せっかくですが今回は事態させていただきます", "decline"),
    (
        "I'm actually taking a break from sponsored content until spring. Feel free to check back in "
        "around April and I'd be happy to take another look then.",
        "decline",
    ),
    (
        "年末年始はハンドメイドの販売が繁忙期でして、今はとても手が回らない状況です。\n"
        "もしよろしければ、春ごろにまたお声がけいただけると嬉しいです。",
        "decline",
    ),
    ("あの、、このメアド誰から聞いたんですか？？\nちょっと怖いです。", "opt_out"),
    (
        "どのような経緯でこちらのアドレスにご連絡いただいたのか、教えていただけますでしょうか。\n"
        "どこかのサービスに登録した覚えがなく、心当たりがございません。",
        "opt_out",
    ),
    (
        "当方は貴社にメールアドレスを提供した覚えがございません。\n保有している当方の情報を速やかに削除して"
        "いただきますようお願い申し上げます。",
        "opt_out",
    ),
    ("たぶんリストの間違いだと思うので、今後は外してください。", "opt_out"),
    (
        "でも私はこういうのメールを今後に受けたくないです。\nリストから私を消すしてください。",
        "opt_out",
    ),
    ("私の名前をリストから取ってください。\nメールは必要じゃないです。", "opt_out"),
    (
        "please I would like to not receive anymore your emails. Remove my adress from your base "
        "of data.",
        "opt_out",
    ),
    ("I please to request you stop send the promotion email to me.", "opt_out"),
    ("ok no more email pls. i dont do sponsor", "opt_out"),
    ("pls take me out of this mailing. thx", "opt_out"),
    ("Sorry na, I think I will not join this time. My skin is allergic with fragrance.", "decline"),
    ("送信不要です🙅‍♀️", "opt_out"),
    ("Your opt-out link gives me a 404. Consider this reply my opt-out instead.", "opt_out"),
    (
        "I'm going to have to ask you to stop. I never consented to being on a marketing list.",
        "opt_out",
    ),
    (
        "Appreciate it but my audience is mostly guys who deadlift. A night serum wouldn't land. Thanks anyway.",
        "decline",
    ),
    # A condition of the yes: gifting alone is what is refused.
    (
        "リール1本＋ストーリーズ2回で、税別5万円であればお受けできます。\n"
        "ギフティングのみの場合は申し訳ないのですが難しいです。",
        "interested",
    ),
    # A manager copied for the contract side while the talent answers herself.
    (
        "I've cc'd my manager Rob so he can handle the contract side, but I wanted to answer you "
        "myself: yes, I'd love to! Does the week of the 14th fit?",
        "interested",
    ),
    (
        "(cc'ing my manager Jo for the paperwork side)\n\nYes, I'd love to! Can you send the "
        "serum to me and the contract to Jo?",
        "interested",
    ),
    # "I'm in" closing a relative clause is no yes.
    (
        "New year, new inbox rules: I'm not accepting unsolicited brand emails anymore.\n"
        "Kindly delete my details from whatever database I'm in.",
        "opt_out",
    ),
    (
        "Aw, I'd love to, but I'm moving house this month, so I can't film anything. Another time maybe?",
        "decline",
    ),
    (
        "Not the right time, I'm afraid. Maybe check back with me in spring once things settle?",
        "decline",
    ),
    # Reading the details is no going through someone.
    (
        "I'm not unsubscribing, don't worry 😄 Can you send the details and I'll go through them at the weekend?",
        "interested",
    ),
    ("お店関係のPR案件は店長がまとめて管理しているので、店長の方にお願いします。", "referral"),
    ("Spam. Reported.", "opt_out"),
    # Yeses with a condition or a term refused, and one passed on by a friend.
    (
        "2月中の投稿でしたら可能です！\n3月以降は他の案件で埋まってしまっているので、それでもよろしければぜひ。",
        "interested",
    ),
    (
        "突然すみません、こはるの友人です。本人は今タイに旅行中で、頼まれて代わりに返信しています。\n"
        "お話はぜひ受けたいとのことでした！帰国後に本人から改めて連絡します。",
        "interested",
    ),
    (
        "I stopped doing gifted collabs last year, but paid is a different story. $400 for a dedicated Reel. When would you need it live?",
        "interested",
    ),
    (
        "Not interested in the six-month usage buyout, to be upfront. But organic-only, one Reel, $550? I'm very much interested in that.",
        "interested",
    ),
    (
        "Looping in my manager Dana (dana@keystone.example.com) on CC so she can see the\n"
        "contract when it comes, but I'm answering myself: yes, I'd love to do this!",
        "interested",
    ),
    (
        "I signed with Peachtree Creative last month and they handle all my paid partnerships now. There's a contact form on their website.",
        "referral",
    ),
    (
        "メールの確認が遅くなりがちなので、案件はエージェントさんのほうにお願いしています！",
        "referral",
    ),
    (
        "Hi, this is the fourth pitch in a few weeks. I'm not interested and I'd like all of these to stop, please.",
        "opt_out",
    ),
    (
        "大変恐縮ではございますが、今後はこの種のご案内をお送りいただくことはご遠慮いただけますと幸いです。",
        "opt_out",
    ),
    (
        "Love the concept, but I'm taking a social media break through the summer. Not a good time for me. Maybe circle back in the fall?",
        "decline",
    ),
    # "After New Year, when things calm down": a no for now, not a date for this offer.
    (
        "今は年末進行で手一杯なので、今回はパスさせてください🙇‍♀️\n年明け落ち着いたら、またタイミング合えばぜひ。",
        "decline",
    ),
    (
        "Sounds lovely but I'm pregnant, so I'm turning down skincare collabs until after the baby. Thank you though <3",
        "decline",
    ),
    (
        "I'm going to decline - I'm keeping my page ad-free through the end of the year. Could be open to something in the spring though.",
        "decline",
    ),
    (
        "I appreciate it, but I'm doing a no-new-products month, so I can't feature anything new right now. Maybe next time!",
        "decline",
    ),
    # A month named full inside a yes's terms is one of its conditions.
    (
        "Happy to! My terms:\n\n- 1 reel + 3 stories\n- $650 USD\n- posting window: February only (January is full)\n\nLet me know if that works.",
        "interested",
    ),
    (
        "インスタのフィード投稿1本＋ストーリーズ2本で、報酬5万円（税別）であればお受けできます。\n"
        "商品提供のみの案件はお受けしておりませんので、ご検討いただけますと幸いです。",
        "interested",
    ),
    (
        "My audience is mostly dads in their forties, so I don't think a night serum is the right fit.\n\nThanks though.",
        "decline",
    ),
    (
        "別のスキンケアブランドさんと年内いっぱいの専属契約を結んでいるため、今回はお受けすることができません。\n"
        "来年以降でしたらご相談可能ですので、またお声がけいただけますと嬉しいです。",
        "decline",
    ),
    (
        "I'm in an exclusive deal through the end of September, so I can't work with you on this launch. Happy to chat again in October if the timing works then.",
        "decline",
    ),
    (
        "I have an exclusivity agreement until June, so I can't post about a competing serum. If you have something outside skincare later in the year, I'd be happy to hear about it.",
        "decline",
    ),
    (
        "お声がけ嬉しいです！\nただ年内は新しい案件を受け付けていなくて…\n年明けにまたご連絡いただけたら、そのときに検討させてください。",
        "decline",
    ),
    # A live stream paused, not our mail.
    (
        "普段は毎週金曜の夜にライブ配信をしているのですが、その週はいつもの雑談配信を一度停止して、ナイトセラムを使いながらのスキンケア配信に切り替えるのはいかがでしょうか？",
        "interested",
    ),
    ("何回送ってくるん？前もええって言うたやん。\nほんまにもう止めてな。頼むで。", "opt_out"),
    # A yes taken back as she writes.
    (
        "やります！……と言いたいところなのですが、書きながら冷静になりました。\n競合NGの契約中で、3月末までは同ジャンルの投稿ができません。\n今回はごめんなさい。",
        "decline",
    ),
    (
        "I don't do product-only posts, but for $450 I can do one TikTok plus a story. Let me know if that works.",
        "interested",
    ),
    # Her viewers' subscriptions, not our mail.
    (
        "Half my comments this week are people asking which skincare subscriptions to unsubscribe from\n"
        "because they're overspending. Can you tell me the price point?",
        "interested",
    ),
    (
        "I'm about to head off on a six-week hiking trip with no signal, so I can't commit to anything this summer.",
        "decline",
    ),
    (
        "I don't think our audiences overlap enough for this to make sense. Thanks though!",
        "decline",
    ),
    ("The only thing I'd be interested in is never hearing from Hanami Labs again.", "opt_out"),
    ("このアドレスどこで拾たん？\n気色悪いわ。今すぐ消して。", "opt_out"),
    (
        "せやけど、いまスキンケア系の案件がちょっと詰まっててな、\n今回は見送らしてもらうわ。\nまた何かあったらよろしゅう〜。",
        "decline",
    ),
    (
        "Thanks ah, but this round cannot lah, quite packed until after CNY. Maybe next time can.",
        "decline",
    ),
    (
        "Ah sorry, bit rubbish timing — I'm moving house this month. Could you come back to me in the new year?",
        "decline",
    ),
    # A manager copied to see the rates; "send the product" names where nothing goes.
    (
        "I'd love to! I'm copying my manager Jo (jo@example.net) so she can see the rates,\n"
        "but feel free to keep talking to me directly. Could you send the product by mid-July?",
        "interested",
    ),
    (
        "ただ今は引っ越しの準備でバタバタしていて、新しいお仕事をお受けできる状況ではありません。\n落ち着いたら、またお声がけいただけたら嬉しいです。",
        "decline",
    ),
    (
        "マネージャーの佐藤をCCに入れていますが、お返事は私から失礼します。\n\nぜひお受けしたいです！",
        "interested",
    ),
    (
        "Hey! I pass all brand stuff to my agency, Bloom Talent. I don't have their email to hand but they're on the link in my bio.",
        "referral",
    ),
    (
        "PRのご相談は所属事務所の「オフィス月見」でまとめて受けているので、\nそちらに問い合わせていただけますか？",
        "referral",
    ),
    (
        "I've stepped back from brand work, so I'd really appreciate it if I weren't\ncontacted about collaborations in the future, by Hanami Labs or on its behalf.",
        "opt_out",
    ),
    (
        "This address is for my Etsy shop orders only. Please don't send pitches here again.",
        "opt_out",
    ),
    ("迷惑メールです。", "opt_out"),
    (
        "誠に恐れ入りますが、今後、本アドレス宛のご案内につきましては、\n送付をお見合わせいただけますよう、お願い申し上げます。",
        "opt_out",
    ),
    ("I'd appreciate it if Hanami Labs didn't contact me in future.", "opt_out"),
    (
        "Sweet of you to think of me, but please count me out of future campaigns too. I'd like to stop hearing from Hanami Labs altogether.",
        "opt_out",
    ),
    (
        "今年の案件受付はもう締め切ってしまいました🙇‍♀️\nまた来年、タイミングが合えばぜひ。",
        "decline",
    ),
    (
        "This is Grace's sister. She asked me to answer this one for her: she isn't taking on any products this month.",
        "decline",
    ),
    (
        "I'm pregnant at the moment, so I'm going to sit this one out. Feel free to ask again later in the year though, I'd love to try it then!",
        "decline",
    ),
    ("Instagramのお仕事は、キャスティング会社の担当さんに一任しています。", "referral"),
    (
        "今年からマネジメント会社に所属しているので、案件のお話はそちらにお願いしています。",
        "referral",
    ),
    (
        "The serum sounds lovely, but I'm not going to be able to take this on. Back to school has eaten my whole month.",
        "decline",
    ),
    ("宣伝メールは要らん。削除して。", "opt_out"),
    ("桜井様　停止お願いします", "opt_out"),
    (
        "This is my personal inbox, not a work one. Please pull me off whatever list this is.",
        "opt_out",
    ),
    ("うざい。消して。", "opt_out"),
    ("Hi Hana, pls don't send to this email anymore ok. Not keen. Thanks", "opt_out"),
    (
        "I'm actually pregnant and my derm has me avoiding anything new on my face for now, so this isn't one I can do.",
        "decline",
    ),
    (
        "I don't do TikTok and I'm not taking any Instagram deals this quarter either, so I don't think there's a version of this that works for me. Sorry!",
        "decline",
    ),
    # A refusal of one option beside a yes to another.
    (
        "Hi Hana! I'll pass on TikTok (I'm barely on there anymore and it wouldn't do your product justice) but Instagram works great. A Reel + 2 Stories is my usual package.",
        "interested",
    ),
    (
        "申し訳ないのですが、PRのお話は今後も含めてご遠慮させてください。\nこのアドレスへのご連絡も、今回限りにしていただけますと幸いです。",
        "opt_out",
    ),
    (
        "I'm sorry to say the budget doesn't work for me this time; my minimum for a dedicated skincare feature is quite a bit higher than what's on offer.",
        "decline",
    ),
    (
        "せやけど、うちナイト系のスキンケアは別のブランドさんとずっと一緒にやってるさかい、今回は堪忍な🙏",
        "decline",
    ),
    (
        "Opt me out.\n\nAnd whoever sold you my email, I'd love to know who they are, because I never gave it to a brand list.",
        "opt_out",
    ),
    # Other addresses named only as where not to write too.
    (
        "今後こちらのアドレスへのご案内は一切ご遠慮ください。\nあわせて、仕事用の aoi.work@example.jp や、以前の事務所宛て（info@aoi-office.example.jp）にもお送りいただかないようお願いいたします。",
        "opt_out",
    ),
    (
        "申し訳ないのですが今後のご連絡は控えていただき、\nお手元の名簿からも私の情報（haruka.skinlab@example.jp、旧アドレス haruka.s@example.ne.jp）を\n削除していただけますでしょうか。",
        "opt_out",
    ),
    # A shipping address below, and either of her own addresses fine for mail.
    (
        "ぜひお受けしたいです！\n\n商品の発送先は下記にお願いいたします。\n〒150-0001 東京都渋谷区神宮前4-5-6\n\nご連絡はこちら（chinami.k@example.jp）でも、仕事用の chinami.work@example.jp でも大丈夫です。",
        "interested",
    ),
    (
        "ご提案の件、お受けしたいと考えております。\nつきましては、以下の条件でご検討いただけますでしょうか。\n\n・報酬：フィード投稿1件 5万円（税別）\n・投稿時期：1月中旬以降（年内はスケジュールが埋まっているため）",
        "interested",
    ),
    ("しつこいねん。毎週毎週送ってきて。\nほんまにやめてや。", "opt_out"),
    # A refusal under a condition the writer asks about.
    (
        "Before I say yes - is the serum fragrance-free? I'd have to pass if it contains fragrance since my audience is mostly sensitive-skin folks. If it is fragrance-free, I'm in.",
        "interested",
    ),
    (
        "I'm doing a \"no new products\" January on my channel, so I can't take on any launches this month.\n\nIf there's another campaign later in the spring, I'd be glad to hear about it.",
        "decline",
    ),
    (
        "My page is mostly men's grooming and fitness, and a night serum doesn't really fit what my audience follows me for. So I'll not be taking this up.",
        "decline",
    ),
    # A yes quoted as a first reaction, a refusal, and a yes to some later product.
    (
        "Honestly my first reaction was \"ooh, yes,\" but then I checked the ingredient list and it has added fragrance, which I don't promote. So I'll have to decline this one.\n\nHappy to look at anything fragrance-free you put out later.",
        "decline",
    ),
    (
        'I really appreciate you thinking of me, but I don\'t do skincare content. My editor always says "stay in your lane," and my lane is hair.',
        "decline",
    ),
    # Another company's mail, unsubscribed from before.
    (
        "以前、別の化粧品会社さんのメールは多すぎて配信停止したのですが、\nはなみラボさんからのご連絡は大歓迎です😊\n詳細をお待ちしております！",
        "interested",
    ),
    (
        "メールマガジンもPRのご案内も、すべて配信停止でお願いします。\nポイントが失効しても構いません。",
        "opt_out",
    ),
    (
        "Hey — I'm a fishing and camping channel. I don't know what list you pulled me from but it's wrong. Please don't send me skincare stuff again.",
        "opt_out",
    ),
    ("無理ぽ〜(´;ω;｀)\n今月スケジュールぱんぱんで…\nまた機会あったらお願いします！", "decline"),
    # A yes to the product, then a reason and "this time" as the whole answer.
    (
        "商品自体にはとても興味があります。\nただ、私のフォロワーさんは50代以上の方がほとんどで、\n今回のセラムのコンセプトとは少しずれてしまうかなと思い、今回は見送ります。",
        "decline",
    ),
    (
        "私のアカウントはキャンプと釣りが中心で、フォロワーさんにも合わないかなと思います。\n今回はお見送りさせてください。\nまたアウトドア系の商品などがあればぜひ。",
        "decline",
    ),
    (
        "退会なのか解除なのかよくわからんけど、とにかくもうこのアドレスに来ないようにしてください。",
        "opt_out",
    ),
    # An ingredient that is a hard no, asked about before a yes.
    (
        "Before I say yes, quick q's:\n1. Is the serum fragrance free? I have rosacea and fragrance is a hard no for me.\n2. Paid post = how much?",
        "interested",
    ),
    (
        "my channel is ad-free on principle and that's not changing. There's no point in sending me offers like this, now or in the future, so please don't.",
        "opt_out",
    ),
    (
        "This is Milo's mum. Milo is 15 and this is a family email address. We don't accept brand deals for him and we'd appreciate it if Hanami Labs took this address off its contact list permanently.",
        "opt_out",
    ),
    ("もうええって。何回送ってくんねん。止めて。", "opt_out"),
    (
        "お化粧品のご紹介はとても務まりませんので、\nどうかもう、このようなお手紙はお送りにならないでくださいね。",
        "opt_out",
    ),
    (
        "最近フィードを整理して、合わないブランドの投稿は削除したところなんですが、\nはなみラボさんの世界観は好きなので前向きです。\nただ商品提供のみのPRはお断りしているので、有償でご相談できるなら金額を提示していただけますか。",
        "interested",
    ),
    (
        "the serum has fragrance in it, which I avoid and talk about a lot on my page - so it wouldn't feel honest for me to promote it. Sorry! If you ever launch a fragrance-free version I'd be happy to hear about it.",
        "decline",
    ),
    (
        "Sounds fun! Could I get a sample first? If it works for me, I'm happy to do a paid post.\n\nAlso, could you send the exact disclosure wording you want? I'd rather not guess.",
        "interested",
    ),
    (
        "下のURLクリックしても「ページが見つかりません」って出て停止できないんだけど。\nどうなってんの？\nこっちで手間かけさせないで、ちゃんとそっちで止めといて。",
        "opt_out",
    ),
    (
        "社内外とも相談しつつ検討いたしましたが、今回は見合わせることにいたしました。\nまたの機会がございましたら、その際はよろしくお願いいたします。",
        "decline",
    ),
    # Japanese in romaji.
    (
        "Go-renraku arigatou gozaimasu.\nZannen desu ga, kondo wa enryo shimasu.\nMata kikai ga areba yoroshiku onegaishimasu.",
        "decline",
    ),
    (
        "Sumimasen, ima wa PR no shigoto wo yasunde imasu.\nHaru ni saikai suru yotei nanode, sono toki ni mata hanashi ga areba ureshii desu.",
        "decline",
    ),
    (
        "I'm currently only working with brands that have completed independent dermatologist testing, so I won't be moving forward with this one. If you get that certification down the line, feel free to reach back out.",
        "decline",
    ),
    (
        "すんません、こういう案内はもうええですわ。\n今後は止めといてもろてええですか。よろしゅうに。",
        "opt_out",
    ),
    (
        "It's a no from me for now - I'm winding down for the holidays and not taking anything new until the new year. Happy to chat about something in Feb if you're still looking.",
        "decline",
    ),
    (
        "Please make sure this address is no longer used for any marketing or outreach. Thank you.",
        "opt_out",
    ),
    # A yes on stated terms, one of them a refusal of gifting alone.
    (
        "I'd be up for it, but on my terms: my rate for one reel plus three stories is $800, gifting alone doesn't work for me, and I'd want 50% upfront.",
        "interested",
    ),
    (
        "Honestly I was going to pass on all brand work this month, but this one's too pretty to say no to. 🌸\n\nTwo questions: is the serum fragrance-free, and do you need the post live by a specific date?",
        "interested",
    ),
    (
        "申し訳ございませんが、今回は辞退させていただきます。\n契約が終わる来年の秋以降であれば、また改めてお話を伺えれば嬉しいです。",
        "decline",
    ),
    ("しつこいな。送るなって言ってるだろ。", "opt_out"),
    (
        "I'm pausing all paid partnerships for a bit while I rethink what my channel is about, so it's not a yes for now.",
        "decline",
    ),
    ("Hard no, and I'd like to not hear from Hanami Labs again. Thanks.", "opt_out"),
    (
        "今回の商品は私の肌質（脂性肌）に合わなそうなので、結構です。\nわざわざありがとうございました。",
        "decline",
    ),
    (
        "I'm in the middle of a six-month exclusivity with another skincare label so I can't take on anything in this category at the moment. Appreciate you thinking of me.",
        "decline",
    ),
    # A stop asked for in unusual words, and a yes that says it cannot refuse.
    (
        "omg yes?? I literally cannot say no to anything sakura scented lol\nwhats the timeline and is it IG or TT or both",
        "interested",
    ),
    ("I cannot say no to this one, send the details!", "interested"),
    (
        "hi, this is Ella's mum. Ella is 15 and this is my email, please don't send these here anymore. thanks",
        "opt_out",
    ),
    (
        "I work in a hospital and receiving marketing email at this address is a problem. Please make sure it stops.",
        "opt_out",
    ),
    (
        "Respectfully, I ask that this address be excluded from all future outreach, including any Black Friday promotions.",
        "opt_out",
    ),
    (
        "大変申し訳ないのですが\u3000こんごこのような ご案内は お送りいただかなくて結構です\n返信不要です",
        "opt_out",
    ),
    ("配信停\n止でお願いします", "opt_out"),
    # No more of the product, with a paid post asked about: no stop.
    (
        "セラムはもう送らないで大丈夫です笑\u3000実は先月店頭で買って使ってるので\nなので商品なしで有償投稿だけって形でもできますか？金額きいてもいいですか",
        "interested",
    ),
    # A stop written after the signature or in English beside Japanese, and a yes whose P.S. mentions the stop only to say the opposite.
    (
        "当方は写真スタジオのため、化粧品のPRは行っておりません。\n\n―――――――――――――\nさち写真室\n※当アドレスへの営業メールはお断りしております。今後の送信はお控えください。\n―――――――――――――",
        "opt_out",
    ),
    ("当方は写真スタジオのため、化粧品のPRは行っておりません。", "decline"),
    (
        "Thank you for the thoughtful note.\n\nBest wishes,\nTaro Nakamura\n\nOne more thing: I've received quite a few emails from Hanami Labs this year. I'd appreciate it if this one were the last.",
        "opt_out",
    ),
    ("I don't do PR of any kind, so further emails ご遠慮ください. Thank you.", "opt_out"),
    ("Further contact お控えください. Thank you for understanding.", "opt_out"),
    (
        "Morning. I'm going through my inbox and unsubscribing from every brand list I've ended up on,\nand this email is me doing that for yours.",
        "opt_out",
    ),
    (
        "Happy to do a TikTok for it. What's the deadline?\n\nOllie\n\nP.S. Your email says to reply \"unsubscribe\" if I don't want to hear from you. Consider this the opposite, keep me posted on any future launches too!",
        "interested",
    ),
    (
        "Yes please! I'd love to try it. Gifted is fine for a TikTok, for a YouTube integration I'd need a fee. Which were you thinking?\n\nPriya\n\nP.S. heads up, the unsubscribe link in your footer gives a 404 on my phone. Not that I want to use it! Just thought your team should know.",
        "interested",
    ),
    (
        "普段こういうPRのメールはほぼ無視しちゃってるんですが、\n桜ナイトセラムは気になって思わず返信しました笑\n\n使用期間はどれくらいを想定されていますか？\n2週間以上使ってからでないとレビューしない方針なので、その点だけ確認させてください。",
        "interested",
    ),
    # Busy now with room later is a counter-offer; a pass put as being busy or in dialect; stops put as wishes.
    (
        "Full honesty, my thumb was already hovering over the unsubscribe link out of habit. But then I actually read it.\n\nWhat are the deliverables and timeline? I'm booked through mid-Jan but have room after.",
        "interested",
    ),
    (
        "Okay, real answer: yes, I'd love to do a paid TikTok. I'm booked until mid-January, so something like Jan 20 onwards?",
        "interested",
    ),
    (
        "お声がけありがとうございます〜！\nただ今ちょうど子どもの受験でバタバタしてて、正直余裕がないです😭\n落ち着いたら、また声かけてもらえたら嬉しいです！",
        "decline",
    ),
    (
        "わざわざありがとう〜\nせっかくやけど、今回は遠慮しとくわ。\nまた何かおもろそうなのあったら教えてな！",
        "decline",
    ),
    (
        "I'd love to say yes, but my content calendar is currently a dumpster fire with a bow on it. Not now - maybe circle back in spring when I've stopped crying over Q4?",
        "decline",
    ),
    (
        "I'll keep this short: I'd be grateful not to hear from Hanami Labs again. Cheers.",
        "opt_out",
    ),
    (
        "I am no longer creating content and would appreciate it if you could ensure I do not receive further emails from Hanami Labs or its partners.",
        "opt_out",
    ),
    (
        "hana. hana. i am a 58 year old retired plumber. i do not have a tiktok. please forget i exist, marketing-wise.",
        "opt_out",
    ),
    (
        "Please consider this my permanent, all-purpose, one-size-fits-all 'no thanks' to any emails from Hanami Labs.\n\nHave a lovely day!",
        "opt_out",
    ),
    (
        "Out of curiosity - and for my lawyer's curiosity too - how did my personal address end up on your list?\n\nPlease remove it and confirm once it's done.",
        "opt_out",
    ),
    # A stop she meant to send, quoted, and then a yes.
    (
        "「もう連絡しないでください」\n\n……って返そうと思ってテンプレまで用意してたんですけど、商品ページ見たら普通に欲しくなりました。悔しい。\n\nギフティングでよければ受けます！発送先お伝えしますね。",
        "interested",
    ),
    # Not so far as to unsubscribe; a pass for now put off to spring; a partner's stop about another company; a stop for a shared address.
    (
        "配信停止するほどではないのですが、今回のセラムは肌質的に合わなそうなので辞退させてください。\n\nまたクレンジングなど別の商品のときはお声がけいただけたら嬉しいです。",
        "decline",
    ),
    (
        "We went back and forth on this one. Dan won.\nSo it's a pass for now, but if you've got something in spring when the reno is done,\nwe'd genuinely be happy to hear about it.",
        "decline",
    ),
    (
        "Harriet's already clicked the opt-out link once for\nthis address (last spring, a different campaign of yours?) and yet here we are. We'd both\nlike this address gone from everything you send. Thanks.",
        "opt_out",
    ),
    (
        "えみです。横から夫が「今後送らないでって返しといて」と言ってきたのですが、\nそれは別の会社さんの話でした（笑）はなみラボさんのことではありません。\n桜ナイトセラム、ぜひお試ししてみたいです。",
        "interested",
    ),
    (
        "My manager's cc'd on most of my stuff, but not this one - I'd rather handle beauty deals\nmyself, with my partner Jun (he edits everything). We talked and we're in.\n\nCan you do £800 for a Reel + 3 stories?",
        "interested",
    ),
    # History with the brand: an old stop quoted and taken back, a past address, a habit; stops and passes in new words.
    (
        "正直、普段こういうメールは読まずに配信停止しちゃうんですが、\n桜ナイトセラムはパッケージがかわいくて気になってました笑\n\n夜のスキンケア動画（YouTube）で紹介する形でもよいでしょうか？",
        "interested",
    ),
    (
        'Apologies for the reply you got from this address in September saying "not interested, remove me from your list". That was my former assistant being a bit overzealous with the inbox. Please ignore it.\n\nI\'d genuinely like to hear more about the Sakura Night Serum.',
        "interested",
    ),
    (
        "Quick q: is this for Canada too or just the US? And would you be okay with me posting an honest review after 4 weeks of use rather than a first impression? I don't do first-impression sponsored posts for skincare.",
        "interested",
    ),
    ("This kind of email, ご遠慮ください. Thanks.", "opt_out"),
    ("I am sorry, but please お控えください sending such emails to me in the future.", "opt_out"),
    (
        "I've made the decision to keep my channel completely non-commercial, so I'd kindly ask that I not be contacted for any future campaigns either.",
        "opt_out",
    ),
    (
        "I'm sure it's a lovely product, but I'd rather not be bothered with these kinds of emails going forward. Thank you.",
        "opt_out",
    ),
    (
        "We had a brief exchange on Instagram in July and I said I'd think about it. I've thought about it: I'd like not to receive any more messages from Hanami Labs, by email or DM.",
        "opt_out",
    ),
    (
        "インスタのDMでもメールでも何度かご連絡いただいていますが、今後はどちらもご遠慮ください。",
        "opt_out",
    ),
    (
        "I unsubscribed via the link in your footer in August. Yet here we are.\n\nPlease make sure this address is suppressed across all your lists, not just the one this came from.",
        "opt_out",
    ),
    (
        "I've promised myself no new partnerships until my baby's born in February. It's a no for now, but I'd love to hear about what you launch next.",
        "decline",
    ),
    (
        "That said, I'm going to sit this one out. Please don't take me off your list though, I'd love to hear about whatever comes next.",
        "decline",
    ),
    (
        "I really did mean it last time when I said I'd love to work together someday - that's still true!\n\nBut not on this one. My December slots went to a charity series. Let's talk again in the spring if you have something new.",
        "decline",
    ),
    # Life events and ordinary months: stops said as wishes for a quiet inbox, a pass widened to everything, a stop quoted from replies to others.
    (
        "Small favor: could you make sure this address doesn't get any further emails from Hanami Labs? It's a personal inbox and I like to keep it quiet.",
        "opt_out",
    ),
    (
        "うちの娘が以前ブログをしておりまして、その頃のアドレスかと思います。\nもう何年も前にやめておりますので、今後はこちらへお送りにならないでください。",
        "opt_out",
    ),
    (
        "Please forget you ever had this email address. I'm not a creator and I have no interest.",
        "opt_out",
    ),
    (
        "This address belongs to a small business and should not be on any marketing list. Please make sure it isn't used again.",
        "opt_out",
    ),
    (
        "So there's really no point in you or anyone else at Hanami Labs writing to me going forward. I'd rather my inbox stayed quiet.",
        "opt_out",
    ),
    (
        "Thank you - I'll pass on this and on anything else you might send in future. I'm closing down the joint account this address was attached to, so there's no need to keep me on file.",
        "opt_out",
    ),
    (
        "I don't think I can say yes to this one, though. I'm only doing things that feel light right now, and a paid post wouldn't. I hope the launch goes brilliantly.",
        "decline",
    ),
    (
        "I'm open to it. If it's pregnancy-safe, I'd do a Reel for $800 (gifted-only doesn't work for me right now - nursery costs!).\n\nCan you send the INCI list?",
        "interested",
    ),
    (
        "産休に入ってから、企業様のご案内には「今後のご連絡はお控えください」とお返事してきたのですが……\n桜ナイトセラムだけは例外にさせてください！発売当初から愛用しています。\n4月に復帰予定なので、そのタイミングでの投稿はいかがでしょうか？",
        "interested",
    ),
    (
        "桜の香りに弱いので、こんなご提案をいただいたらNOとは言えません😂\nマネージャーにも一応共有しておきますが、スケジュールは私が管理しているので、\nこのまま私宛にご連絡いただければ大丈夫です。",
        "interested",
    ),
    # Very short stops and plain ones; a yes for paid beside a gifted option struck off.
    ("pls no more", "opt_out"),
    ("お控えください", "opt_out"),
    ("受信を希望しません。", "opt_out"),
    (
        "個人的な事情により、今後はPRのご依頼を一切お受けしないことにいたしました。\nつきましては、メールもお送りいただかなくて結構です。",
        "opt_out",
    ),
    (
        "I'm trying to keep my inbox calm these days, so I'd really appreciate it if I didn't receive any more of these going forward.",
        "opt_out",
    ),
    (
        "Please remove the gifted option from the table, I only do paid work these days. For paid I'm in: 650 USD for one reel, 900 if you want a TikTok too.",
        "interested",
    ),
    # Someone other than the creator answering: a plan not carried out, a wife who asks to be dropped from the list, a friend or a sister who answers once.
    (
        "院長の娘さんがこちらのアドレスをSNSに載せていたようで、\n最初は営業のお断りメールをお送りしようかと思ったのですが、\n院長に確認したら「娘がやりたがってるから話を進めて」とのことでした。\n日程の候補をいくつかいただけますでしょうか。",
        "interested",
    ),
    (
        "How kind of you to think of Milo! I'm his wife and I look after his correspondence these days.\n\nHe's stepped away from social media entirely this year, so there's really no need to keep him on your mailing list going forward.",
        "opt_out",
    ),
    (
        "Please opt this address out. This is the reception inbox of Dunmore & Hale LLP and we have no one here by that name.",
        "opt_out",
    ),
    ("This is my work address at the hospital. Please don't send anything here.", "opt_out"),
    (
        "Milo's mum here. Your note says to reply \"unsubscribe\" if we'd rather not hear from you -- we would very much rather hear from you! He's delighted.",
        "interested",
    ),
    (
        "I'm Kay's roommate -- she's in the middle of moving across the country and asked me to keep an eye on her mail.\n\nShe'll pass this time, she just can't film anything until she's settled.",
        "decline",
    ),
    (
        "Thank you for the offer. Right now isn't a good moment for me - I'm moving house. Maybe come back to me later in the year and we can see?",
        "decline",
    ),
    (
        "同様のメールが今月だけで4通届いています。\nこちらのアドレスは今後一切使用しないでください。",
        "opt_out",
    ),
    ("すみません、メルマガとかも含めて全部解除したいです\nどうすればいいですか？", "opt_out"),
    ("メールを受け取る理由がありません。\n今後受信しないよう設定してください。", "opt_out"),
    (
        "みなのマネージャーではなく、ただの友人なのですが笑、\n本人が海外にいてメールが見られないため代わりにご連絡しています。\nLINEで伝えたところ「やりたい！」とのことでした。\n投稿は2月に入ってからでも大丈夫でしょうか？",
        "interested",
    ),
    (
        "I'm Milo's older sister. He's deployed at the moment and has very spotty internet, so I'm handling his inbox. Good news: he said he'd love to do it.\n\nCould the post go up in March?",
        "interested",
    ),
    # A stop broken over a line after て; other companies' mail unsubscribed from, not ours; a quieter inbox asked for.
    (
        "大変恐縮ですが、今後は新商品のご案内なども含めて\nメールをいただかなくて大丈夫です。",
        "opt_out",
    ),
    (
        "他社さんのPRメールは最近ほとんど配信停止しちゃったんですが、はなみラボさんのは別です！笑\n桜ナイトセラム、気になってました。",
        "interested",
    ),
    (
        "I'm trying to cut down how much email I get so I'd appreciate not being on your outreach list anymore. Wishing you well with it.",
        "opt_out",
    ),
    (
        "But I would genuinely like this email address to fall off the face of your earth. No follow-ups, no newsletter. Nothing. Please.",
        "opt_out",
    ),
    # Second-language stops and passes, and plain ones in few words.
    ("個人のアドレスに宣伝を送るのはやめてください。", "opt_out"),
    (
        "Thanks - I only feature fragrance-free products, and from the description the sakura\nserum is scented, so it's not one for me. Happy to look at anything unscented you release in future.",
        "decline",
    ),
    ("This address is for our family only. Please don't use it.", "opt_out"),
    ("No more, please 🙅\u200d♀️", "opt_out"),
    (
        "I wish to not be contacted anymore by your company, for this or for any other product. Thank you to respect it.",
        "opt_out",
    ),
    (
        "I prefer that you don't write me more. Not for this serum and not in the future for other things. Thank you for understand.",
        "opt_out",
    ),
    (
        "Thank you for think of me. This time I cannot, I have exclusive contract with another skincare until the end of this year. Maybe next year we can talk again ka 🙏",
        "decline",
    ),
    # An unsubscribe link nearly pressed; stops in keigo and in formal English; a yes for one platform under another's exclusive.
    (
        "正直、最初は下の「配信停止」を押そうとしてました（笑）ごめんなさい。\nでも桜の香りって書いてあって手が止まりました。\n一度試させてもらえませんか？",
        "interested",
    ),
    (
        "恐れ入りますが、わたくしはインフルエンサー活動をしておらず、\n何かのお間違いではないかと存じます。\n今後はご送付くださいませんようお願い申し上げます。",
        "opt_out",
    ),
    (
        "せっかくのご厚意に対し大変心苦しいのですが、\nこの先もご期待に沿うことは叶いそうにございませんので、\n今後のご案内の対象からはお外しいただければと存じます。",
        "opt_out",
    ),
    (
        "I am afraid this is not something I take part in, and I would be most grateful not to be included in any further mailings from Hanami Labs.",
        "opt_out",
    ),
    (
        "Could you please pass this on to whoever manages your mailing list: kindly remove info@brambleandbirch.example.com. We're a small bakery and don't do influencer work.",
        "opt_out",
    ),
    (
        "After thinking it over, I don't think this product is the right match for my content right now. I hope you understand.",
        "decline",
    ),
    (
        "Short answer: yes, but it would need to be TikTok only. My YouTube channel is under an exclusive with another skincare company until June.\n\nWould a TikTok + one IG story in January work?",
        "interested",
    ),
    # Several addresses: both to be dropped, each named only as one more to remove; a second channel offered instead of the main one.
    (
        "I stepped away from making content back in the summer and I've closed the old channel.\nPlease remove me from your list - this address and the old channel one (owenmakesthings@example.co.uk), if you have it.",
        "opt_out",
    ),
    (
        "Under GDPR Art. 17 I am asking you to erase all personal data you hold about me, including this address and\nfelix@brandtcycles.example.de, and to confirm once done. Please send no further marketing to either.",
        "opt_out",
    ),
    (
        "Please delete my contact details - both this personal address and my Etsy shop one (mayamakesclay@example.com).\nI won't be doing any sponsored posts.",
        "opt_out",
    ),
    (
        "I run a small bakery account, not a beauty page,\nand this address plus my old leahbakes@example.com both got this pitch.\n\nI'd appreciate it if neither got anything from you again. Thanks!",
        "opt_out",
    ),
    (
        "I'm not entirely sure how my work address ended up on your list. Either way, I'd appreciate it if this address, and my personal one, came off it.",
        "opt_out",
    ),
    (
        "This is my university inbox. I'd like it deleted from whatever list you are using, and I'd ask that\nyou don't contact me through my creator address or DMs instead.",
        "opt_out",
    ),
    (
        "I'd rather not hear from Hanami Labs again, please.\nAnd could your team not slide into my DMs on either Instagram account instead? That's happened twice now.",
        "opt_out",
    ),
    (
        "Can I be excluded from your future campaigns? Not just this one - all of them. Thank you.",
        "opt_out",
    ),
    (
        "I stopped making videos two years ago and this inbox is just for family now. Please don't write\nhere anymore.",
        "opt_out",
    ),
    ("メルマガ登録をした覚えはありません。\n解除願います。", "opt_out"),
    (
        "Not on my main channel - it's all tech reviews and a serum would confuse people.\nBUT my second channel is basically my evening routine, and this\nwould fit there really naturally.\n\nIf you're open to that, send over what you're thinking for deliverables and timing.",
        "interested",
    ),
    (
        "ふだん企業様からのご依頼はほとんどお断りしているのですが、\n桜の香りのナイトセラムと聞いて、これはやってみたいと思いました。",
        "interested",
    ),
    (
        "10月はハロウィン関連の案件で埋まってしまっていて、今月中の投稿は難しいのですが、\n12月の年末コスメ特集の回でご紹介させていただくのはいかがでしょうか？",
        "interested",
    ),
    (
        "Not right now, sorry - I've got back-to-back campaigns through February. Maybe come back to me\nin the spring? I'd be happy to look again then.",
        "decline",
    ),
    # Creative control asked about beside a yes; our footer quoted and asked about; stops for a single-purpose inbox.
    (
        "Thank you! I'd like to know more. Is it paid regardless of performance, and do I keep creative control? I don't do scripted posts.",
        "interested",
    ),
    (
        "メールの下に「このメールに配信停止と返信しても承ります」って書いてあるけど、\nこれに返信したら停止になっちゃったりしますか？😂\n停止じゃなくて、お話ちゃんと聞きたいです！",
        "interested",
    ),
    (
        "This address is for my bakery orders only. Please don't email it with marketing again.",
        "opt_out",
    ),
    (
        "Out of curiosity, where did you get this address? It isn't public anywhere. I'd like it removed from whatever list it's on, please.",
        "opt_out",
    ),
    (
        "Please don't reach out for future campaigns either. I'm not the right person for any of this, and I'd like my email off whatever list it's on.",
        "opt_out",
    ),
    # A pass for this product that keeps the list, and stops asked for after a complaint.
    ("> you can opt out at any time\n\nConsider me opted out.", "opt_out"),
    (
        "No need to take me off your list! Just not this product, I'm sticking with my current night routine for now.",
        "decline",
    ),
    ("何度かメールをいただいていますが、困っています。\n止めていただけますか。", "opt_out"),
    (
        "Thank you so much for thinking of me. I must ask, though, that you not\nwrite to me again -- I'm stepping back from all of this and would prefer a quiet inbox.",
        "opt_out",
    ),
    (
        "But I have to be good - I'm on a product freeze, so I'm not taking anything new on right now. Maybe circle back sometime next year? I'd genuinely love to try it one day.",
        "decline",
    ),
    # Typos in the words that matter: mis-conversions and slips read as the words meant.
    ("現在スキンケア案件を別ブランド様と継続中のため、\n今回は身送らせていただきます。", "decline"),
    (
        "お手数ですがこちらのアドレスを配信リストから削徐していただけますと助かります。\n今後のご連絡もおひかえ頂ければ幸いです。",
        "opt_out",
    ),
    ("ただ、私はPR投稿を一切行っておりませんので、今後こうしたご案内はご円慮ください。", "opt_out"),
    ("メール配信の解徐をお願いいたします。", "opt_out"),
    (
        "Hey, thanks for the offer. I'll have to psas on this one — no sponsored skincare for me this season.",
        "decline",
    ),
    (
        "Kindly cease and desit all emails to this address. I have not consented to marketing from your company.",
        "opt_out",
    ),
    ("今後のご連絡は扶養です。失礼します。", "opt_out"),
    ("Hi Hana, I'd like to opt ouy of these. Thanks and good luck with the serum!", "opt_out"),
    ("今後このアドレスへの送心はなさらないでください。", "opt_out"),
    ("pleaase stoppp sending me these", "opt_out"),
    (
        "大変魅力的なのですが、今回は遠虜させていただきます。\nまたの機会によろしくお願いいたします。",
        "decline",
    ),
    ("今はスキンケアの投稿を減らしている時期なので、今回はみおくりとさせてください。", "decline"),
    (
        "Thanks Hana. Pasing on this one — I already have a night serum I'm contracted with until June.",
        "decline",
    ),
    (
        "This is the second time I've asked. Please make sure this address recieves nothing further from Hanami Labs.",
        "opt_out",
    ),
    ("大変恐れ入りますが、御社のリトスから外していただけますでしょうか。", "opt_out"),
    # Stops in dialect and in few words.
    (
        "妻は今年の春に発信活動をやめております。\nこのアドレスに今後ご連絡いただくことのないよう、削除をお願いします。",
        "opt_out",
    ),
    ("わだすはそういうのやってねえので、もう送らねでけらいん。", "opt_out"),
    ("Please mute me from whatever list this is, thanks 🙏", "opt_out"),
    (
        "Mate, I run a car channel. Please don't ever email me about face serums again. Or anything.",
        "opt_out",
    ),
    ("Hi there, could you count me out of any future mailings? Thank you.", "opt_out"),
    # A refusal of this one after a yes and a caveat, the whole offer; Tohoku dialect; a bug report's "happy to send a screenshot".
    (
        "桜のパッケージ可愛すぎて、本当はすごくやりたいんです…！\n\nただ、今ちょうど他社さんのスキンケアと競合NGの契約を結んでいて、\n今回はどうしても難しいです😢\nまた機会があれば是非お声がけください！",
        "decline",
    ),
    ("わりぃけど、こういうのはもう送ってこねでけろ。\nよろしぐ。", "opt_out"),
    (
        "FYI your emails aren't rendering properly in Thunderbird on Linux.\n\nHonestly, just remove my address. I review keyboards, not skincare.\n\nBut you might want to fix the rendering for everyone else. Happy to send a screenshot if it helps.",
        "opt_out",
    ),
    # An emoji closes a thought; a counter-offer under "if you'd do"; a stop asked as a question; a conditional stop about newsletters.
    (
        '"Simply reply unsubscribe"? Never 😄 count me in!\n\nWhat do you need from me, just an address?',
        "interested",
    ),
    (
        "Not interested in just a single IG post tbh — but if you'd do a TikTok + IG reel bundle I'm very keen. Can we talk numbers?",
        "interested",
    ),
    ("Could you please stop? I've already asked your colleague twice.", "opt_out"),
    ("メールマガジン的なものでしたら解除を希望します。\nよろしくお願いします。", "opt_out"),
    (
        "Please take me off your list. I'm not doing paid posts anymore and I'm keen to stop getting pitches altogether.",
        "opt_out",
    ),
    # A condition asked as a question before the refusal; stops with a name to remove, with "happy to confirm", with "no more please".
    (
        "Could you send me the full ingredient list? And is it cruelty-free / not tested on animals? I can only work with brands that are.",
        "interested",
    ),
    ("Who is this? Don't email me.", "opt_out"),
    (
        "We're a small ceramics studio, not influencers, so I think this reached us by mistake. Would you mind removing fernandfox from your contacts so it doesn't happen again? Many thanks.",
        "opt_out",
    ),
    (
        "Please could you make sure I don't receive any more emails from Hanami Labs — pitches, newsletters, launch news, anything. I'm happy to confirm by clicking a link if that's easier for your system.",
        "opt_out",
    ),
    ("Hana, no more please. thx", "opt_out"),
    # One option refused and another taken; a stop asked of another brand; stops in formal words.
    (
        "TikTok's a hard no for me - I deleted the app back in the summer and I'm not going back.\n\nBut an Instagram reel I can absolutely do. What fee did you have in mind for one reel plus a couple of stories?",
        "interested",
    ),
    (
        "My YouTube sponsor slots are booked solid until March, so that's out. I do have an Instagram slot free on the 19th though - would a reel that day work for you?",
        "interested",
    ),
    (
        "So funny, I was literally on the waitlist for this serum and was about to email asking them to take me off because I'd given up. Guess I don't need to now lol.\n\nCan you send rates and the brief?",
        "interested",
    ),
    (
        "I hope you don't mind me saying so, but I would prefer to no longer receive emails from Hanami Labs. I'm sure you understand.",
        "opt_out",
    ),
    (
        "Please consider this my formal request to opt out of any further correspondence from your company.",
        "opt_out",
    ),
    (
        "今は引っ越しと育児でバタバタしておりまして、投稿の時間が取れそうにありません。\n落ち着いたら、またお声がけいただけたら嬉しいです。",
        "decline",
    ),
    # A habit turned by a wish to try this one.
    (
        "普段は日焼け止めの案件はお断りしているのですが、こちらは試してみたいと思いました。",
        "interested",
    ),
    # A budget too low to make it work, with a farewell: a decline; too low with a question is a counter-offer.
    (
        "Thanks for thinking of me, but the fee is a little too low for us to make it work. Best of luck with the launch!",
        "decline",
    ),
    ("The budget's a bit too low for me. Is there any room to move on it?", "interested"),
    # A stop's words with 「とか」 before 「まで」 and a no-need after them: no stop.
    (
        "今回はご辞退させていただきます。\nあ、配信停止とかまではしなくて大丈夫です！また別の企画があれば見せてください。",
        "decline",
    ),
    ("please remove from list", "opt_out"),
    ("Remove from mailing list please.", "opt_out"),
    # A first instinct to unsubscribe that the writer did not follow, and her only hard no as a condition.
    (
        "My first instinct was to hit unsubscribe lol, but this one I actually want to do! What's the fee?",
        "interested",
    ),
    (
        "My only hard no is perpetual usage rights. Six months is fine for an extra fee. My rate for one reel is $900.",
        "interested",
    ),
    ("お話はぜひ進めたいです。撮影は来月でも大丈夫ですか？", "interested"),
    # A refusal after an ellipsis and 「今回は」 is about the whole offer, whatever praise came first.
    (
        "すごく素敵な商品で、使ってみたいなと思いました！\nただ、他社さんと競合NGの契約をしておりまして…今回はお受けすることができません。",
        "decline",
    ),
    (
        "Appreciate it, but I don't really do skincare content, my page is all hiking. Wouldn't feel authentic.",
        "decline",
    ),
    # Our footer's offer paraphrased in quotation marks, and the sender taking it up.
    (
        "\"If you'd prefer not to hear from us again, just let us know.\"\n\nI'm letting you know.",
        "opt_out",
    ),
    (
        "Sorry, it's a no, and could you please not add me to any more of these outreach emails?",
        "opt_out",
    ),
    (
        "I'm going to decline, and I'd ask that you not follow up or contact me about future campaigns.",
        "opt_out",
    ),
    (
        "Cheers, but I'm already under contract to promote another night serum, so no can do.",
        "decline",
    ),
    (
        "I'm interested in your brand in general, just not in doing a post right now. I'm on a posting break.",
        "decline",
    ),
    (
        "We've decided as a band not to do sponsorships, so please take all four of us off your list.",
        "opt_out",
    ),
    ("No thanks, and could you make sure none of us get these going forward?", "opt_out"),
    # Praise beside a wish of luck is a send-off, not a yes that turns the refusal.
    (
        "OMG we love this! Sadly we're contracted exclusively with another brand, so we can't take this on. Best of luck with the serum, it looks amazing!!",
        "decline",
    ),
    # A habit named, then a question about the budget or the terms: a yes after the turn.
    (
        "I don't really do skincare collabs, but I've had my eye on your sun care line. What would the budget be for a Reel?",
        "interested",
    ),
    ("I don't really do sponsored posts, but would you be okay with a gifted post?", "interested"),
    ("No thanks. What would the budget have been, out of curiosity?", "decline"),
    (
        "Thanks! I don't do scripted content, so would you be okay with an honest review? My rate is $450.",
        "interested",
    ),
    (
        "大変ありがたいお話なのですが、現在妊娠中のため、新しいスキンケアのご紹介はしばらくお控えしております。",
        "decline",
    ),
    (
        "9月から転職で生活がバタバタする予定で、しばらく案件をお受けできる余裕がなさそうです…。",
        "decline",
    ),
    # A stop someone else advised, in quotation marks, then the writer's own yes.
    (
        "姉に見せたら「こういうのは怪しいから配信停止しときな」って言われたんですが笑、調べたらちゃんとしたブランドさんだったので、私はやってみたいです！",
        "interested",
    ),
    (
        'Hahaha my first thought was "stop sending me serums, my shelf is full" - but the packaging is too cute. What would you need from me?',
        "interested",
    ),
    (
        "I don't know how you obtained this address. Remove it. If I receive another of these I'll be reporting it.",
        "opt_out",
    ),
    (
        "We're going to pass on this for Ayesha, and we'd ask that she isn't included in future campaigns.",
        "opt_out",
    ),
    ("I'm not interested and would prefer not to hear about future campaigns either.", "opt_out"),
    (
        "We would also ask that neither our client nor this office be contacted again in relation to any campaign.",
        "opt_out",
    ),
    (
        "Our client does not accept paid skincare partnerships and we must therefore decline.",
        "decline",
    ),
    # One option refused in a letter's words, another offered with a rate.
    (
        "I'm not interested in a gifted-only post, I'm afraid. I would, however, be glad to consider a paid feed post. My current rate for that package is £450.",
        "interested",
    ),
    (
        "商品提供のみでの投稿は基本的にお受けしていないのですが、リール1本で税別5万円にてお受けできればと存じます。",
        "interested",
    ),
    # A stop she once sent and now calls a regretted reply, then questions about the terms.
    (
        "実は昨年、別の商品のご案内の際に「今後は連絡不要です」とお返事してしまったのですが、今回の商品はとても惹かれました。詳しい条件を伺ってもよろしいでしょうか。",
        "interested",
    ),
    ("今回はお受けしないことにしました。\n配信停止などは特に必要ありません。", "decline"),
    (
        "当方、問い合わせフォーム以外からの営業のご連絡はお受けしておりません。\n今後、本アドレスへの送信は行わないようお願いいたします。",
        "opt_out",
    ),
    (
        "I'm definitely not going to ask you to stop emailing me, quite the opposite! What's the plan?",
        "interested",
    ),
    (
        "Would love to work with you some day! Just not on this one. I'm keeping my shelf minimal this year.",
        "decline",
    ),
    # Emoji that carry the answer.
    (
        "すごく素敵な商品ですね😭✨ 使ってみたかった…!\nでも今月から育休中で、SNSはしばらくお休みしてます。",
        "decline",
    ),
    ("PR投稿 → ×\nギフトのみ → ×\nごめんなさい🙏", "decline"),
    ("STOP 🛑", "opt_out"),
    ("🚫📧 pls", "opt_out"),
    ("STOP 😂 this packaging is everything. What are the terms?", "interested"),
    (
        "Okay so last year I told another brand to stop emailing me 😅 but this one I actually like. What are the terms?",
        "interested",
    ),
    (
        "正直、最初は「また案件メールか、お断りしよう」と思っていたのですが、成分を見て気が変わりました（笑）報酬から源泉徴収は差し引かれますか？",
        "interested",
    ),
    (
        "I almost replied STOP out of habit but this sounds like a good fit. I only work with brands that pay within 30 days - can you confirm that?",
        "interested",
    ),
    (
        "This is my wife's old email address and she hasn't used it in years. I'd be grateful if you stopped sending to it.",
        "opt_out",
    ),
    (
        "Thanks, but I've just signed a year-long deal with another skincare brand, so I can't work with competitors. Good luck!",
        "decline",
    ),
    (
        "I've moved to only working with brands through my agency's standard contract. I don't think we'll be able to make this one work, but I wish you a great launch!",
        "decline",
    ),
    # A father writing once for his daughter, not asking to be the contact.
    (
        "I am writing on behalf of my daughter Aditi. She has her board exams until March and we have agreed she will not take on any collaborations until then.",
        "decline",
    ),
    (
        "ただ、今は自分のブランド立ち上げの準備に専念していて、他社様の商品紹介はしばらくお休みしているんです。",
        "decline",
    ),
    (
        "セラムすごく気になります…！\nただ、今は新しいお仕事を受ける余裕がないので、今回はお見送りさせてください。",
        "decline",
    ),
    # Her agency named only as her past: 「事務所を通していた時期」.
    (
        "以前、別の件で「今後のご連絡は不要です」とお返事してしまったのですが、あのときは事務所を通していた時期だったので…失礼しました。投稿時期と金額の目安を教えてください。",
        "interested",
    ),
    # A stop for this address and for her work address named beside it: nowhere to write instead.
    (
        "今後、このアドレスにも、仕事用のアドレス（sayaka.work@example.com）にも、ご案内は送らないでください。\nどちらもお断りです。",
        "opt_out",
    ),
    # A no for now, then a wish to hear of a later campaign: the yes is put off.
    (
        "Sadly I just signed an exclusive with another brand until March, so I have to say no for now. If you're doing anything in spring I'd love to hear about it!",
        "decline",
    ),
    (
        "Mine's a men's grooming channel. A sakura night serum isn't going to land with my lot. Good luck with it though.",
        "decline",
    ),
    (
        "Thank you, but I don't do skincare on my page, it's a baking account! All the best with the launch.",
        "decline",
    ),
    (
        "We're quite a small account and honestly don't feel ready for paid posts yet. Thank you for the kind offer though.",
        "decline",
    ),
    (
        "This is Meera's mother. She is busy with her exams until March and will not be taking up any work right now.",
        "decline",
    ),
    (
        "Honestly my first instinct with these emails is to hit unsubscribe, but a night serum is something I've been looking for. Is this paid or gifted only?",
        "interested",
    ),
    (
        "Thanks for thinking of me! My page is almost all baking, so I don't think a serum would really fit with my audience.",
        "decline",
    ),
    (
        "メールの下にある「配信停止はこちら」を押しそうになりましたが、間違いです、停止はしないでください（笑）有償での投稿の場合、ご予算感を伺えますでしょうか。",
        "interested",
    ),
    ("hi, sorry but pls dun email me anymore, i dont do sponsored stuff one. thanks", "opt_out"),
    # An office writing for the talent asks to stop for both of them: a stop, not a referral.
    (
        "I manage correspondence for Renae Hollis. Renae has asked that she not be contacted with any further brand proposals, and we'd be grateful if you could remove both her address and this one from your outreach.",
        "opt_out",
    ),
]


def test_slips_of_short_words_read_as_the_word_but_names_stay() -> None:
    book = load_phrasebook()
    assert book.spell("plz remvoe me, stpo") == "plz remove me, stop"
    # A name that is one letter from "email", and a word that is one letter from "mailing".
    assert book.spell("emil here, ailing") == "emil here, ailing"


@pytest.mark.parametrize(
    "text,sender,to",
    [
        # Only the part of the sentence before the turn is about the colleague in the loop.
        (
            "I've cc'd my colleague Priya (priya@agency.example) just so she's in the loop, but "
            "please send the brief to bookings@agency.example and we'll take it from there.",
            "tom@agency.example",
            "bookings@agency.example",
        ),
        # The writer is the one copied for visibility; the referral stands.
        (
            "Please send the brief to amara@agency.example; I'm only cc'd for visibility.",
            "tom@agency.example",
            "amara@agency.example",
        ),
        # The sender's own address, pointed at before or after it, beats the switchboard
        # address of the signature below a rule of bars, box lines or dashes.
        (
            "今後のご連絡は私 kimura@lumi.example.jp 宛にお送りいただけますでしょうか。\n\n"
            "――――――\n株式会社ルミナス\n木村\n代表：info@lumi.example.jp",
            "kimura@lumi.example.jp",
            "kimura@lumi.example.jp",
        ),
        (
            "本件は弊社にて窓口を担当しておりますので、以降のご連絡は本人ではなく\n"
            "tanaka@bloom.example.jp 宛にお願いいたします。\n\n────────────\n株式会社ブルーム\n"
            "代表：info@bloom.example.jp",
            "tanaka@bloom.example.jp",
            "tanaka@bloom.example.jp",
        ),
        (
            "今後は私 sato@lumina.example.jp 宛てにご連絡いただけますでしょうか。\n\n"
            "――――――――――\n株式会社ルミナ\n佐藤\n代表窓口：info@lumina.example.jp",
            "sato@lumina.example.jp",
            "sato@lumina.example.jp",
        ),
        # An assistant looped in only to be aware is no candidate; nor is an address out of use.
        (
            "Looping in my assistant Tom (cc'd, tom.b@sunny.example.com) so he's aware, but please "
            "send the brief, rates and contract to bookings@sunny.example.com.",
            "sunny@example.com",
            "bookings@sunny.example.com",
        ),
        (
            "I no longer use kaylee@example.com for partnerships. My new collab address is "
            "kaylee.collabs@example.net, so please send the details there.",
            "kaylee.home@example.com",
            "kaylee.collabs@example.net",
        ),
        # Their own signature names their own contact, not the referral made above it.
        (
            "My agent Sophie handles all paid partnerships, so please contact her at "
            "sophie@agent.example and she'll take it from there.\n\n--\nElodie\n"
            "Business: hello@elodie.example",
            "elodie@example.com",
            "sophie@agent.example",
        ),
        # A stop about a former agency's address beside the new one is a referral to the new.
        (
            "今月から事務所を移籍いたしました。\n新しい担当：ueda@prism.example.jp\n"
            "以前の事務所（arai@old.example.jp）には送らないようお願いいたします。",
            "koharu@example.jp",
            "ueda@prism.example.jp",
        ),
        # A fan-mail or switchboard address is not where offers go when another is given.
        (
            "お仕事のお問い合わせは下記の窓口で受け付けておりますので、そちらにお送りください。\n\n"
            "――――――\nかずね\nファンレター：fan@kazune.example.jp\n"
            "お仕事のご依頼：work@kazune.example.jp",
            "kazune@example.jp",
            "work@kazune.example.jp",
        ),
        (
            "弊社所属の「ことね」宛にご連絡をいただきありがとうございます。今後は担当の佐々木まで"
            "ご連絡いただけますと幸いです。\n\n━━━━━━\n株式会社リュミエール\n佐々木\n"
            "代表：info@lumiere.example.jp\n担当直通：sasaki@lumiere.example.jp",
            "sasaki@lumiere.example.jp",
            "sasaki@lumiere.example.jp",
        ),
        # The talent's address we wrote to, and an office line, are not where to write when
        # the writer points at herself.
        (
            "弊社所属の結菜のマネージャーです。本人のアドレス（yuina@example.jp）宛てにご連絡を"
            "いただいておりましたが、お仕事に関するご連絡は今後すべて私宛てにいただけますか。",
            "ishida@blossom.example.jp",
            "ishida@blossom.example.jp",
        ),
        (
            "I look after partnerships for Sofia. Please reply directly to me here.\n\n"
            "Dan\nTidal Management\nOffice: hello@tidal.example.com",
            "dan@tidal.example.com",
            "dan@tidal.example.com",
        ),
        # The talent copied in, or named as unmonitored, is not where to write.
        (
            "弊社所属「あんず」（CC: anzu@example.jp）宛のご依頼を拝見しました。条件面のご相談は"
            "マネージャーである私宛にお送りいただけますでしょうか。",
            "mori@hanabira.example.jp",
            "mori@hanabira.example.jp",
        ),
        (
            "Crestline manages her partnerships. You can reply directly to this thread "
            "(partnerships@crestline.example.com).\n\nJust a heads-up that Dana's personal "
            "email, dana@example.com, isn't monitored for business enquiries.",
            "partnerships@crestline.example.com",
            "partnerships@crestline.example.com",
        ),
        # An old contact not to use; a generic inbox not to use; the talent copied "for
        # visibility" beside "keep me as the main contact".
        (
            "I'm no longer with Glow Talent, so please don't use my old contact there "
            "(bookings@glow.example.com). My new agent is Priya at priya@north.example.net.",
            "theo@example.com",
            "priya@north.example.net",
        ),
        (
            "Brand partnerships for me all go through Ollie at Wavelength: ollie@wave.example.com"
            "\n\nPlease don't use the generic hello@wave.example.com, stuff gets buried there.",
            "fern@example.com",
            "ollie@wave.example.com",
        ),
        (
            "Could you send the brief to me? I'm cc'ing Milo (milo@example.com) for visibility, "
            "but please keep me as the main contact going forward.",
            "priya@kaleido.example.com",
            "priya@kaleido.example.com",
        ),
        (
            "所属タレントの担当です。返信はこのアドレス（担当直通）にお願いいたします。\n\n"
            "――――――\n株式会社ルミナプロ\n石田\n代表：contact@lumina.example.jp",
            "ishida@lumina.example.jp",
            "ishida@lumina.example.jp",
        ),
        # "He does my deals"; "keep me on this thread, not lena@…"; the talent's address we
        # wrote to, and 「本人（…）には直接送らないで」.
        (
            "talk to Tom, he does my deals 👍 tom.r@example.net\n\n- Kai\n"
            "IG @kai.skin | kai.skin@example.com",
            "kai@example.com",
            "tom.r@example.net",
        ),
        (
            "hi! replying for Lena (I'm her mgr). pls keep me on this thread, not "
            "lena@example.com 🙏",
            "sam@lumen.example.com",
            "sam@lumen.example.com",
        ),
        (
            "弊社所属の佐々木（sasaki@example.jp）宛にいただいたメールを転送してもらいました。"
            "今後は本人のアドレスではなく、私遠藤までご連絡ください。",
            "endo@lumina.example.jp",
            "endo@lumina.example.jp",
        ),
        (
            "弊社所属りなの件、以降は私宛にお願いします。\n本人（rina@example.jp）には直接送らない"
            "でください",
            "sato@everpeak.example.jp",
            "sato@everpeak.example.jp",
        ),
        # An address that no longer works; business "goes to"; an assistant copied for
        # scheduling only beside "please reply to me"; the staff's work address.
        (
            "事務所のアドレス（yui@old.example.jp）は先月で使えなくなってしまいました…\n"
            "現在は新しい事務所でお仕事を受けているので、こちらにお願いします！\n"
            "works@lilac.example.jp",
            "yui@example.jp",
            "works@lilac.example.jp",
        ),
        (
            "this isn't Milo, it's his sister. Business stuff goes to milo.biz@example.com.",
            "milo@example.com",
            "milo.biz@example.com",
        ),
        (
            "I look after Tyler's brand work. I've copied my assistant Amy (amy@blue.example.com) "
            "for scheduling only - for anything about the deal itself, please reply to me.",
            "marcus@blue.example.com",
            "marcus@blue.example.com",
        ),
        (
            "お仕事関係はスタッフが管理している biz@manami.example.jp でまとめて受けているので、"
            "そちらに詳細を送っていただけると助かります。",
            "manami@example.jp",
            "biz@manami.example.jp",
        ),
        # "Rather than to kayla@…" with no comma; "Kwame's manager here… direct everything to
        # me"; a stop about the writer's personal address beside the agency's.
        (
            "I manage Kayla's partnerships. Please send the brief to me directly going forward "
            "rather than to kayla@example.com.",
            "dana@bright.example.com",
            "dana@bright.example.com",
        ),
        (
            "Kwame's manager here. He's interested. Please direct everything to me going forward "
            "rather than to him.",
            "kojo@greenroom.example.net",
            "kojo@greenroom.example.net",
        ),
        (
            "お仕事のご依頼は所属事務所を通していただく決まりですので、下記までご連絡ください。\n\n"
            "担当：小川\nbiz@fleur.example.jp\n\nなお、こちらの個人アドレス（yui@example.jp）には"
            "今後お送りいただかなくて大丈夫です。",
            "yui@example.jp",
            "biz@fleur.example.jp",
        ),
        # "Don't email her directly at sunny@…; send everything to this address"; "repped by".
        (
            "We represent Sunny for all commercial work. Please don't email her directly at "
            "sunny@example.com; send everything to this address.",
            "partnerships@kiwi.example.com",
            "partnerships@kiwi.example.com",
        ),
        (
            "please don't use bookings@old.example.com anymore. I'm repped by Peach now: "
            "collabs@peach.example.net",
            "eli@example.com",
            "collabs@peach.example.net",
        ),
        # The writer's own sign-off holds the only other address; 「私、小林宛に」; the talent's
        # address labelled in the signature; an assistant cc'd "so she has context".
        (
            "I represent Dani. Please reply directly to me here rather than to Dani.\n\n"
            "Kind regards,\nSam Okafor\nNorthlight Talent\nhello@northlight.example.com",
            "sam@northlight.example.com",
            "sam@northlight.example.com",
        ),
        (
            "美月のマネジメントを担当しております小林です。今後のやり取りは私、小林宛にいただけますと"
            "幸いです。\n\n━━━━━━━━\n株式会社スタジオ星\n代表 info@hoshi.example.jp",
            "kobayashi@hoshi.example.jp",
            "kobayashi@hoshi.example.jp",
        ),
        (
            "「あやね」のマネージャーをしております石井です。このメールにそのままご返信ください。\n\n"
            "━━━━━━━━\nMail：ishii@promo.example.jp\n（タレント本人：ayane@example.jp）",
            "ishii@promo.example.jp",
            "ishii@promo.example.jp",
        ),
        (
            "Please don't use this address (leo@example.com) for collabs - email my agency at "
            "bookings@agency.example.net instead. I've cc'd my assistant jun@example.com so she "
            "has context, but bookings is who will get back to you.",
            "leo@example.com",
            "bookings@agency.example.net",
        ),
        (
            "お仕事の話は work.yuna@example.jp の方に送ってもらえますか？あと、yuna@example.net は"
            "昔のでもう見てないので、そっちには送らないでください〜",
            "yuna.private@example.jp",
            "work.yuna@example.jp",
        ),
        # A topic's comma keeps the clause (「…(old@…)は、昨年退所したため」); a label further
        # back in its clause ("For invoices… use", "For press enquiries… you can use").
        (
            "以前ご案内していた事務所のアドレス（contact@old.example.jp）は、\n昨年退所したため現在は"
            "使われておりません。\ninfo@sakura.example.jp の方へご連絡をお願いいたします！",
            "nene@example.jp",
            "info@sakura.example.jp",
        ),
        (
            "Jordan's agent is Kendra Shaw, kendra@wave.example.net, please reach out to her "
            "directly.\n\nFor invoices on existing contracts only, use accounts@wave.example.net.",
            "team@wave.example.net",
            "kendra@wave.example.net",
        ),
        (
            "Please email brands@example.net with your brief.\n\nFor press enquiries (not paid "
            "work) you can use press@example.net.",
            "lab@example.com",
            "brands@example.net",
        ),
        (
            "本件は所属事務所よりご返答いたしますので、以下の担当者へ直接ご連絡いただけますでしょうか。"
            "\n\n─────────\nキャスティング部　山下\nMail：yamashita@star.example.jp\n"
            "代表：info@star.example.jp\n─────────",
            "nagisa@example.jp",
            "yamashita@star.example.jp",
        ),
        # A sister who runs the account; "drop my address from CC" beside the manager's.
        (
            "ひなのアカウント運営を手伝っている姉です。お仕事関係は私のアドレス"
            "（hina.sister@example.jp）でやり取りしているので、そちらに送り直していただけますか？",
            "hina@example.jp",
            "hina.sister@example.jp",
        ),
        (
            "案件関係は全部マネージャーさんにお任せしてます〜\n\n→ kobayashi@example.jp\n\n"
            "こちら宛にお願いします🙏\n私のアドレスはCCから外してもらって大丈夫です！",
            "nene@example.jp",
            "kobayashi@example.jp",
        ),
        # An assistant who takes over from here; a sister copied in, the writer off the thread.
        (
            "This is Carla, Bea's assistant. Bea has asked me to handle collab requests from now "
            "on, so you can reach me here at carla.assist@example.com. Looking forward to it!",
            "carla.assist@example.com",
            "carla.assist@example.com",
        ),
        (
            "My sister manages my collabs now, I've cc'd her here (anna.brooks@example.com). "
            "Please reply to her and leave me off the thread 🙏",
            "lily@example.com",
            "anna.brooks@example.com",
        ),
        (
            "Hi Hana, I'm Dom's assistant. He doesn't handle brand deals directly - please reach "
            "out via his agency, their contact details are on his YouTube About page.",
            "assist@example.com",
            "",
        ),
        # A child writing from her mother's account, which is the one to use (not the old one).
        (
            "Hi! This is Ruby - I'm using my mum's email. She handles all my emails for brand "
            "stuff, her email\nis linda.parks@example.net so please send everything there and "
            "not to my old address. Thank you!!",
            "linda.parks@example.net",
            "linda.parks@example.net",
        ),
        # The manager is the contact and will write; the agency's form: no address to use.
        (
            "お声がけありがとうございます🙌\nお仕事関係はマネージャーが窓口なので、マネージャーから"
            "改めてご連絡させますね！",
            "mina@example.jp",
            "",
        ),
        (
            "現在事務所に所属しておりますので、お手数ですが事務所のホームページのお問い合わせ"
            "フォームからご連絡いただけますでしょうか。",
            "mina@example.jp",
            "",
        ),
        # The talent's address named first, then as where not to write; the agency's desk.
        (
            "Thanks for your note to Lily (lily.nguyen@example.com). I represent Lily for all "
            "commercial work. Going forward, please direct any correspondence about this campaign "
            "to our partnerships desk at partnerships@ardent-mgmt.example.com rather than to "
            "Lily's personal inbox.\n\nOwen Hart\nowen@ardent-mgmt.example.com",
            "owen@ardent-mgmt.example.com",
            "partnerships@ardent-mgmt.example.com",
        ),
        (
            "Please direct all future correspondence about this and any other campaigns to "
            "talent@bloom-agency.example.com rather than Chloe's personal address "
            "(chloe.v@example.com), so nothing gets lost.",
            "marisa@bloom-agency.example.com",
            "talent@bloom-agency.example.com",
        ),
        (
            "Sam here, Tess's manager - she forwarded your email to me. Please use this address, "
            "sam@tessmgmt.example.com, for everything going forward.",
            "sam@tessmgmt.example.com",
            "sam@tessmgmt.example.com",
        ),
        (
            "My assistant handles these sorts of things for me. Her name is Doris and she'll be "
            "in touch with you directly next week.",
            "ivy@example.com",
            "",
        ),
        # The assistant to liaise with; the writer copied on her own address.
        (
            "Could you please liaise with my assistant Nurul (nurul.azman@example.com) on the "
            "details? You can cc me at aisyah.k@example.com too.",
            "aisyah.k@example.com",
            "nurul.azman@example.com",
        ),
        # A Cc line's label holds for every address on it.
        (
            "We represent Jade for all paid partnerships.\n\nCc: jade.lin@example.com; "
            "hello@luma-agency.example.com\n\nPlease send the brief and any further "
            "correspondence to partnerships@luma-agency.example.com.",
            "m.ortiz@luma-agency.example.com",
            "partnerships@luma-agency.example.com",
        ),
        # "The contact below" is theirs, not our footer; a "(cc'd: …)" label; the talent's own
        # address named as where not to write; an address "hardly checked".
        (
            "葵のアシスタントをしております、小池と申します。\n今後のご連絡は下記の通りお願い"
            "いたします。\n\n宛先：pr@mirai-office.example.com\nCC：aoi.skin@example.jp（本人）",
            "koike@mirai-office.example.com",
            "pr@mirai-office.example.com",
        ),
        (
            "Thanks for contacting Theo (cc'd: theo.marsh@example.com). We represent Theo for all "
            "commercial work.\n\nPlease direct all future correspondence about this campaign to "
            "our bookings team at bookings@northstarmgmt.example.com so nothing gets lost.",
            "theo@northstarmgmt.example.com",
            "bookings@northstarmgmt.example.com",
        ),
        (
            "本件は弊社にて窓口を担当いたしますので、今後のご連絡は\n担当の佐藤（sato@hoshizora-pro"
            ".example.jp）までお願いいたします。\n本人のアドレス（miku.hoshino@example.jp）宛の"
            "ご連絡はお控えいただけますと幸いです。",
            "sato@hoshizora-pro.example.jp",
            "sato@hoshizora-pro.example.jp",
        ),
        (
            "PRのお話は事務所のフォームかメールでお願いしてます〜\nメールなら pr@kirari.example.jp "
            "へ🙇‍♀️\nこのアドレス(kirari.nagi@example.jp)はあんまり見てないので💦",
            "kirari.nagi@example.jp",
            "pr@kirari.example.jp",
        ),
        (
            "おしごとのれんらくは ままにおねがいします\nmama.yui@example.jp",
            "yui@example.jp",
            "mama.yui@example.jp",
        ),
        (
            "hey! I work with an agency for all brand stuff, you can find their contact via the "
            "link in my bio 🫶",
            "mina@example.com",
            "",
        ),
        # An old agency whose contract ended; an address to disregard.
        (
            "白石は2026年10月末をもって旧所属事務所（info@starlight.example.jp）との契約を終了し、\n"
            "11月より弊社所属となっております。\n恐れ入りますが、今後のご連絡は弊社担当マネージャー"
            "の佐藤までお願いいたします。\n\n担当：佐藤 亮太（sato@mirai-mgmt.example.jp）\n\n"
            "代表：contact@mirai-mgmt.example.jp",
            "contact@mirai-mgmt.example.jp",
            "sato@mirai-mgmt.example.jp",
        ),
        (
            "Just a heads up that Kira is no longer with Bloom Agency, so please disregard "
            "kira@bloomagency.example.com. We represent her now.\n\nPlease contact me directly "
            "at dan@ortizmgmt.example.com for anything going forward.\n\nDan Ortiz\n"
            "General: hello@ortizmgmt.example.com",
            "dan@ortizmgmt.example.com",
            "dan@ortizmgmt.example.com",
        ),
        # A list of desks and the text's own pick: by name, by place, by the talent written to.
        (
            "日本国内の案件は日本のマネジメント（jp@ernamgmt.example.jp）、海外ブランドの案件は"
            "US側（us@ernamgmt.example.com）で窓口を分けています。\nはなみラボさんは日本の"
            "ブランドなので、jp の方へお願いします。",
            "erina@example.jp",
            "jp@ernamgmt.example.jp",
        ),
        (
            "I'm represented by Fern Talent: for US brands it's us@ferntalent.com, and for "
            "everywhere else it's Ellie at ellie@ferntalent.co.uk. As you're in Japan, Ellie's "
            "your person!",
            "georgia@example.com",
            "ellie@ferntalent.co.uk",
        ),
        (
            "コスメ・美容系のPRは beauty@mitsuki-office.example.jp、\nイベント出演のご依頼は "
            "event@mitsuki-office.example.jp で受け付けています。\n\n今回は前者のほうへお願い"
            "します！",
            "mitsuki@example.jp",
            "beauty@mitsuki-office.example.jp",
        ),
        (
            "Your note to Milo was forwarded to me. I represent both Milo and his sister Ava, so:"
            "\n\n- for Milo, please direct everything to me at ryan@coastline-mgmt.example.com\n"
            "- for Ava, use ava-bookings@coastline-mgmt.example.com",
            "ryan@coastline-mgmt.example.com",
            "ryan@coastline-mgmt.example.com",
        ),
        # A Cc line with the talent marked 「本人（…）」; the writer's own address not to use.
        (
            "Cc: 木村（kimura@bloom-mgmt.example.jp）、本人（hinata.bloom@example.jp）\n\n"
            "本件は営業担当の木村が対応いたしますので、以降は木村宛にご連絡をお願いいたします。"
            "\n\nブルームマネジメント\ninfo@bloom-mgmt.example.jp",
            "info@bloom-mgmt.example.jp",
            "kimura@bloom-mgmt.example.jp",
        ),
        (
            "最近マネジメント契約を結んだので、お仕事のお話は今後こちらへお願いします→ "
            "mgmt@koharu-office.example.jp\n私のアドレス（haru.cos@example.jp）には送らないで"
            "いただけると助かります！",
            "haru.cos@example.jp",
            "mgmt@koharu-office.example.jp",
        ),
        (
            "my mgmt handles brand stuff: collabs@wavehouse-mgmt.example.com 👍",
            "sol@example.com",
            "collabs@wavehouse-mgmt.example.com",
        ),
        (
            "案件はすべてキャスティング会社さん経由でお願いしています！\n窓口はハッピーキャストの鈴木さんです。",
            "rio@example.jp",
            "",
        ),
        (
            "Thanks Hana — forwarding this to my agent, they'll get back to you shortly.",
            "sam@example.com",
            "",
        ),
        (
            "こういったお話は夫が窓口をしてくれているので、夫から改めて連絡させますね。",
            "saki@example.jp",
            "",
        ),
        # The writer's own address described as the switchboard, not pointed at.
        (
            "こちらのアドレス（info@petal-management.example.jp）は代表窓口のため、タレントの案件"
            "につきましては担当マネージャーの佐々木より改めてご連絡差し上げます。\n今後は下記担当宛に"
            "お送りくださいませ。\n\n担当：佐々木 美保\nsasaki@petal-management.example.jp",
            "info@petal-management.example.jp",
            "sasaki@petal-management.example.jp",
        ),
        (
            "Hi Hana, thanks for reaching out! I don't handle bookings myself - my manager will get "
            "in touch with you directly this week.",
            "zoe@example.com",
            "",
        ),
        # An office address to copy "just in case" is no referral target.
        (
            "今後のご連絡は私（suzuki@petal-pro.example.jp）宛にお願いいたします。\n念のため、私が"
            "不在の際は office@petal-pro.example.jp にCCいただけますと確実です。",
            "suzuki@petal-pro.example.jp",
            "suzuki@petal-pro.example.jp",
        ),
        (
            "I'm Dana, Priya's assistant. For anything related to this collaboration, please "
            "reply to partnerships@priyaglow.example.com rather than my personal address or "
            "Priya's, so the whole team sees it.",
            "dana.walsh@example.com",
            "partnerships@priyaglow.example.com",
        ),
        (
            "ゆいかのアシスタントをしております山田です。本人に代わりご返信いたします。"
            "報酬額と投稿期限をお教えいただけますでしょうか。",
            "yamada.assist@gmail.com",
            "yamada.assist@gmail.com",
        ),
        (
            "PR案件は事務所で一括管理しているので、そちらにご連絡お願いします。\n"
            "自分の方では判断できないので…すみません。",
            "mina.beauty@example.jp",
            "",
        ),
        (
            "弊社所属タレント「もも」宛にご連絡をいただき、誠にありがとうございます。\n"
            "本件につきましては、今後弊社 pr@sakura-casting.jp にてご対応させていただきます。\n"
            "本人へ直接のご連絡はお控えいただけますと幸いです。",
            "pr@sakura-casting.jp",
            "pr@sakura-casting.jp",
        ),
        (
            "Thank you for your interest in working with Priya. Northstar Creators represents "
            "Priya exclusively for all paid partnerships, so please direct everything to this "
            "address.",
            "partnerships@northstar-creators.example.com",
            "partnerships@northstar-creators.example.com",
        ),
        (
            "ミナのアシスタントをしております鈴木と申します。PR案件の窓口は私が担当しておりますので、"
            "本件も私の方で承ります。\n\n鈴木 理沙\nsuzuki.assist@example.jp\n"
            "※ミナ本人（mina.beauty@example.jp）へのご連絡は不要です",
            "suzuki.assist@example.jp",
            "suzuki.assist@example.jp",
        ),
        (
            "ミナの所属事務所の山田と申します。本件の窓口は私が担当いたしますので、以降は私宛に"
            "お願いいたします。\n\nCc: ミナ <mina.beauty@example.jp>, ブルームエージェンシー事務局 "
            "<info@bloom-agency.example>\n\n山田 彩\nYamada@Bloom-Agency.example",
            "Yamada@Bloom-Agency.example",
            "yamada@bloom-agency.example",
        ),
        (
            "Priya here, Milo's assistant - I'm covering his inbox over the holidays. He's seen "
            "your note and asked me to handle this one. Could you send over the brief?",
            "priya@milocreates.example.com",
            "priya@milocreates.example.com",
        ),
        (
            "美咲のアシスタントをしております佐藤です。本人が撮影中のため、代わりにご返信いたします。"
            "本件は私の方で承りますので、商品概要と報酬条件をお送りいただけますでしょうか。",
            "sato.assist@misaki-office.example.jp",
            "sato.assist@misaki-office.example.jp",
        ),
        (
            "ゆうと（@yuto_lab）の父の高橋です。息子は未成年のため、企業様とのやり取りはすべて私が"
            "窓口となっております。内容を確認したいので、詳細をこちらにお送りください。",
            "takahashi.family@example.ne.jp",
            "takahashi.family@example.ne.jp",
        ),
        (
            "ミナ宛にいただいたご連絡、こちらで引き取らせていただきます。\n条件面などあらためてお送り"
            "いただけますでしょうか。\n\n株式会社ルミエール\n佐藤",
            "sato@lumiere-inc.jp",
            "sato@lumiere-inc.jp",
        ),
        (
            "Loop in Dana (Dana.Whitfield@Gmail.com) - she sorts out all my collabs and contracts.",
            "milo@example.com",
            "dana.whitfield@gmail.com",
        ),
        (
            "Adding Jess here (jess@hollowmedia.co) - over to you Jess!",
            "milo@example.com",
            "jess@hollowmedia.co",
        ),
        (
            "リストから削除しないでください！\nアドレスを変えたので、今後はこちらにお願いします → "
            "minori.new@example.jp\nサンプルの件、ぜひお願いしたいです。",
            "mina.beauty@example.jp",
            "minori.new@example.jp",
        ),
        (
            "Hi! You'll want my assistant Dana for this: DANA.OPS@Example.com\n(please don't use "
            "my personal address for work stuff, it gets buried.)",
            "milo@example.com",
            "dana.ops@example.com",
        ),
        (
            "所属タレント「みな」のマネージャーを務めております、サニーサイドプロの佐藤と申します。\n"
            "また、本人への直接のご連絡はご遠慮いただいておりますので、\n今後のお話はこちらの"
            "アドレスにてお願いいたします。",
            "sato@sunnyside-pro.jp",
            "sato@sunnyside-pro.jp",
        ),
        (
            "Loop in my assistant at Dana.Park@Example.com - she handles my calendar and all the "
            "product stuff. Thanks!",
            "milo@example.com",
            "dana.park@example.com",
        ),
        (
            "本人に代わり、マネージャーの森が返信いたします。\n本件は今後こちらのアドレスでやり取り"
            "させてください。",
            "mori@hanabi-mgmt.jp",
            "mori@hanabi-mgmt.jp",
        ),
        (
            "👉 事務所で承ります。こちらのアドレスへどうぞ。",
            "pr@hoshizora-office.jp",
            "pr@hoshizora-office.jp",
        ),
        (
            "これまでPRのご相談は前の個人マネージャー（kimura.manager@example.jp）にお願いしていた"
            "のですが、そちらとの契約は11月末で終了しており、今はもう対応していただけません。\n\n"
            "今後のお仕事のご相談は、すべてルーンエージェンシーの担当・佐藤さん宛てにお願いいたします。"
            "\n\n　株式会社ルーンエージェンシー　佐藤 和也さん\n　Sato.K@lune-agency.jp",
            "nagisa@example.jp",
            "sato.k@lune-agency.jp",
        ),
        (
            "弊社所属の「みお」宛にお送りいただいたPRのご相談につきまして、代わりにご返信差し上げます。"
            "\n今後のご連絡はすべて本メールアドレス（office@kagami-pro.jp）宛にお送りいただけますと"
            "幸いです。\nまた、無償サンプルのみのご提供につきましては、弊社の方針としてお受けして"
            "おりません。",
            "office@kagami-pro.jp",
            "office@kagami-pro.jp",
        ),
        (
            "I'm Rosa, Maya's assistant. Maya asked me to pick this up. Could you please stop "
            "emailing Maya's personal address and send everything to me instead?",
            "rosa@mayaliustudio.com",
            "rosa@mayaliustudio.com",
        ),
        (
            "弊社所属の「まな」宛にいただいたご連絡について、マネジメントを担当しております私より"
            "ご返信いたします。\n本人の個人アドレスへのご案内は今後配信停止としていただき、お仕事の"
            "ご相談は私宛にいただけますでしょうか。",
            "y.nakamura@hoshizora-ent.co.jp",
            "y.nakamura@hoshizora-ent.co.jp",
        ),
        (
            "I don't handle partnerships myself anymore, so please don't use this address for brand "
            "stuff - email partnerships@glowhausagency.com instead and they'll get back to you.",
            "stella@example.com",
            "partnerships@glowhausagency.com",
        ),
        (
            "We represent Milo for all brand partnerships. Please stop emailing Milo directly and "
            "send the brief and budget to us here at bookings@tidalcreators.com - we'll take it "
            "from there.",
            "bookings@tidalcreators.com",
            "bookings@tidalcreators.com",
        ),
        (
            "Northstar Talent here, replying on Milo's behalf. He's keen on the Sakura Night Serum. "
            "Please route everything to partnerships@northstartalent.co going forward.",
            "milo@example.com",
            "partnerships@northstartalent.co",
        ),
        (
            "Velvet Room Management represents Milo Hart. Your message to Milo has been passed to "
            "us. Please direct all enquiries regarding the Sakura Night Serum, and any future "
            "campaigns, to this address.",
            "bookings@velvetroom-mgmt.example.com",
            "bookings@velvetroom-mgmt.example.com",
        ),
        (
            "Please stop using this address, I'm closing it at the end of the month.\n"
            "Can we continue at kayla.works@example.net? Happy to hear more there.",
            "kayla.r@example.com",
            "kayla.works@example.net",
        ),
        (
            "moving all collabs to my new addy\nkai.collabs@example.net",
            "kai.m@example.com",
            "kai.collabs@example.net",
        ),
        (
            "Hi! this is Zoe's assistant replying, she's on set all week. I'm handling her inbox so "
            "just reply here",
            "assist.zoe@example.net",
            "assist.zoe@example.net",
        ),
        (
            "I'm Chloe's older sister. I've taken over managing her collaborations, so I'm the "
            "contact for anything like this from now on - just write to me here.",
            "maya.reyes.home@example.com",
            "maya.reyes.home@example.com",
        ),
        (
            "りこはまだ未成年のため、今後のお仕事のご連絡は私が窓口になります。詳細をこちらにお送りください。",
            "sachiko.fujii@example.ne.jp",
            "sachiko.fujii@example.ne.jp",
        ),
        (
            "CCのマネージャー山田（yamada.mgr@example.net）に引き継ぎますので、詳細は山田とご調整ください。",
            "sakura.mochi@example.jp",
            "yamada.mgr@example.net",
        ),
        (
            "こちらは個人用のアドレスのため、お仕事のご連絡は今後\n仕事用のアドレス（Work.Yui@example.jp）"
            "にお送りいただけますでしょうか。",
            "work.yui@example.jp",
            "work.yui@example.jp",
        ),
        (
            "個人のアドレスは家族と共用なので、お仕事は仕事用のほうでお願いします。\n"
            "kanade.business@example.com",
            "kanade.h@example.jp",
            "kanade.business@example.com",
        ),
        (
            "高梨すずの所属事務所、スターライトプロダクションの佐藤と申します。\n本件につきましては、"
            "以後私が窓口としてご対応いたします。",
            "sato.ryo@starlight-pro.example.jp",
            "sato.ryo@starlight-pro.example.jp",
        ),
        (
            "娘（ゆら）はまだ高校生のため、企業様とのやりとりは今後すべて母である私が窓口となります。",
            "tomoko.sasaki@example.jp",
            "tomoko.sasaki@example.jp",
        ),
        (
            "Thanks for the note re: Leon. I'm his talent manager - happy to discuss. What's the "
            "budget range for a Reel plus two stories?",
            "sam@redkitemedia.example.com",
            "sam@redkitemedia.example.com",
        ),
        (
            "本人がまだ中学生のため、今後こういったお仕事のお話は私が窓口となって対応いたします。",
            "riko.mama@example.ne.jp",
            "riko.mama@example.ne.jp",
        ),
        (
            "お仕事の依頼はマネージャーさんにお願いしてます🙏\nプロフィールのリンクから問い合わせして"
            "もらえたら嬉しいです✨",
            "miyu.cafe@example.jp",
            "",
        ),
        (
            "僕はクリエイターネットワークに所属しているので、案件については担当の佐藤さんから改めて"
            "連絡してもらうようにします。\n佐藤さんのアドレス：sato.k@kreo-network.example.com",
            "kento.games@example.jp",
            "sato.k@kreo-network.example.com",
        ),
        (
            "Thanks for reaching out to Mia. We're her exclusive management, so all partnership "
            "conversations go via us. What's the budget?",
            "partnerships@clovertalent.example.com",
            "partnerships@clovertalent.example.com",
        ),
        (
            "MCNに所属しておりますので、PRの件は担当の者からご連絡させていただきます。",
            "sora.gaming@example.jp",
            "",
        ),
        (
            "Please talk with my agency, they will contact you soon na.",
            "mook.life@example.co.th",
            "",
        ),
        (
            "I am assistant of Lin Xiao. She is travelling now. Please send the brief and the contract "
            "to me, I will discuss with her and reply you.",
            "assistant.mei@example.net",
            "assistant.mei@example.net",
        ),
        (
            "Leo is represented by Northlight Talent, and all of his brand work goes through our "
            "bookings team. Please keep the conversation with us at this address.",
            "bookings@northlight-talent.example.net",
            "bookings@northlight-talent.example.net",
        ),
        (
            "ask my mgr: Dana@TalentHouse.example.com",
            "milo@example.com",
            "dana@talenthouse.example.com",
        ),
        ("not me - my agency handles brand stuff", "ellie.m@example.org", ""),
        (
            "お仕事のご連絡はすべて母である私（このアドレス）が窓口となってお受けいたします。",
            "kayoko.tsuji@example.ne.jp",
            "kayoko.tsuji@example.ne.jp",
        ),
        (
            "このアドレスはプライベート用なので、今後は仕事用のアドレス\n（ayaka.work@example.jp）宛に"
            "お送りいただけますか？\nこちらには今後ご連絡いただかなくて大丈夫です。",
            "ayaka.private@example.jp",
            "ayaka.work@example.jp",
        ),
        (
            "I've just moved my work stuff to a new inbox, could you continue at "
            "hello@rosiecooks.example.net?",
            "rosie.cooks@example.com",
            "hello@rosiecooks.example.net",
        ),
        (
            "Jordan Hale is managed by Coastal Creators. We're the right contact for all "
            "partnership requests, so please continue with us here.",
            "info@coastalcreators.example.com.au",
            "info@coastalcreators.example.com.au",
        ),
        # A company's PR staff answering for its head; continue with them.
        (
            "株式会社パスタ工房 広報担当の佐藤と申します。\n弊社代表宛にいただいたご連絡につき、"
            "代わってご返信いたします。\n以降のやり取りは私、佐藤宛にお願いできますでしょうか。",
            "sato.pr@example.co.jp",
            "sato.pr@example.co.jp",
        ),
        # An agency answering, with a disclaimer below the sign-off that says "remove" and "STOP".
        (
            "Stopwatch Talent represents Chloe for all commercial partnerships and I'll be "
            "handling this enquiry on her behalf. Could you share the brief?\n\nKind regards,\n"
            "Martin Hale\n\nDISCLAIMER: This email is confidential. If you are not the intended "
            "recipient, please notify the sender and remove it from your system. To opt out of "
            "marketing communications from us, reply STOP.",
            "partnerships@stopwatchtalent.example.com",
            "partnerships@stopwatchtalent.example.com",
        ),
        # Staff answering for the talent.
        (
            "森のアシスタントの田中です\n本人は撮影中のため代わりにお返事しますまる\n"
            "サンプルのご提供とても嬉しいとのことです",
            "mori.assist@example.jp",
            "mori.assist@example.jp",
        ),
        (
            "Milo is represented by us for all brand work. Happy to discuss - what budget do you "
            "have in mind?",
            "ravi@kinfolk-creators.example.com",
            "ravi@kinfolk-creators.example.com",
        ),
        (
            "I'm heading on leave shortly, so please continue with my colleague Tom Reyes "
            "(tom.reyes@vantage-talent.example.com), who will look after Ines's partnerships.",
            "gemma@vantage-talent.example.com",
            "tom.reyes@vantage-talent.example.com",
        ),
        # A manager's rate card with a note refusing sample-only offers.
        (
            "美容クリエイター・さき のマネージャーをしております、田中と申します。\n"
            "本人宛にいただいたご連絡を拝見し、代わってご返信いたしました。\n\n■ 料金の目安（税別）\n"
            "| Instagram フィード | ¥120,000 |\n\n※商品提供のみのご案内はお断りしております。\n"
            "※2次利用は別途ご相談ください。",
            "tanaka.mgr@example.co.jp",
            "tanaka.mgr@example.co.jp",
        ),
        # An agency that handles brand partnerships for the talent, answering itself.
        (
            "Hi Hana,\n\nI handle brand partnerships for Milo at Tidal Creators. Thanks for reaching "
            "out about the Sakura Night Serum. Could you send over the brief, deliverables and "
            "budget? We'll take it from there.\n\nBest,\nRhea\nTidal Creators | Talent Partnerships",
            "bookings@tidalcreators.example.co",
            "bookings@tidalcreators.example.co",
        ),
        # A colleague who takes over the talent.
        (
            "Hi Hana,\n\nThanks for your patience on this. I've moved on from Tidewater and my "
            "colleague Jess Omura now looks after Milo's partnerships - please pick this up with her "
            "at JESS@tidewater.agency.\n\nBest,\nRob\nTidewater Agency",
            "rob@tidewater.agency",
            "jess@tidewater.agency",
        ),
        # "This address" is the one alone on the next line, not the sender's.
        (
            "ご連絡ありがとうございます！\nお仕事関係のご連絡は、今後こちらのアドレスにお願いしてもよいでしょうか。\n"
            "Work.Rina@Example-Biz.jp\nよろしくお願いします！",
            "rina.daily@example.com",
            "work.rina@example-biz.jp",
        ),
        # 「以下の通りお願いしております」 is the agency's process, not our footer's instruction.
        (
            "桜井様\n\nお問い合わせありがとうございます。\nPR案件につきましては、以下の通りお願いしております。\n\n"
            "■ 有償投稿のご依頼 → 所属事務所経由\n■ サンプル送付のみ → 所属事務所経由\n"
            "■ ご連絡先：株式会社ホシゾラプロダクション PR担当 info@hoshizora-pro.jp\n\n"
            "お手数ですが上記までご連絡くださいませ。",
            "mina.beauty@example.jp",
            "info@hoshizora-pro.jp",
        ),
        # A former assistant names the current manager.
        (
            "Hi,\n\nI used to be Milo's assistant and this inbox still forwards to me, but I stopped "
            "working with him in the autumn. His current manager is Priya Shah - "
            "Priya@ShahMgmt.example.com.\n\nGood luck!",
            "ava.assist@example.com",
            "priya@shahmgmt.example.com",
        ),
        # An agency's talent team answering for the talent.
        (
            "Hi Hana,\n\nI'm on the talent team at Brightside Collective and look after partnerships "
            "for Milo.\nHappy to take this from here. Could you share the brief and budget?\n\n"
            "Best,\nDana Reyes\nBrightside Collective",
            "partnerships@brightside-collective.com",
            "partnerships@brightside-collective.com",
        ),
        # "Send it there": the verb of a yes that sends us to the address named before it.
        (
            "I don't check this address for sponsored stuff anymore — bookings@example.com is the "
            "one that's monitored. Send it there and my assistant will pick it up.",
            "ben.cuts@example.com",
            "bookings@example.com",
        ),
        # A manager stops mail to one talent and invites offers for another.
        (
            "きらりプロダクションの佐藤です。\n所属の七海へのご連絡は、今後ご遠慮ください（本人が活動休止中のため）。\n\n"
            "一方で、同じく弊社所属の結城には合いそうな商品かと存じますので、ご提案は弊社PR窓口 "
            "PR@kirari-pro.jp までお送りいただけますと幸いです。",
            "sato@kirari-pro.jp",
            "pr@kirari-pro.jp",
        ),
        (
            "Hi Hana,\n\nI manage both Kayla Reese and Dev Anand. Please don't email Kayla about "
            "this - she's in an exclusive skincare deal until June.\n\nDev, on the other hand, would "
            "love to try the serum and is open to a paid post. Send the brief and budget to me here "
            "and I'll coordinate.\n\nAlex Romero\nWavecrest Agency",
            "alex@wavecrest.agency",
            "alex@wavecrest.agency",
        ),
        # An agency asking, from its own address, that mail be sent to that address.
        (
            "Milo is exclusively represented by Glowhouse Agency, and we kindly ask that all "
            "future correspondence regarding partnerships be sent to talent@glowhouse.agency.",
            "talent@glowhouse.agency",
            "talent@glowhouse.agency",
        ),
        (
            "Milo passed your email on to me - I'm his booking agent at Sunpath Talent. For "
            "anything going forward, please write to me rather than to his personal inbox.",
            "ines@sunpathtalent.com",
            "ines@sunpathtalent.com",
        ),
        # Through her management company's contact form: a referral with no address.
        (
            "私はマネジメント会社に所属しておりますので、お仕事のご相談はそちら経由でお願いしたく存じます。"
            "お手数ですが、会社のホームページのお問い合わせ窓口からご連絡ください。",
            "noa.kimura@example.com",
            "",
        ),
        (
            "恐れ入りますが、個人ではお仕事をお受けできない契約になっておりますので、\n"
            "所属先の公式サイトのお問い合わせフォームからご依頼いただけますでしょうか。",
            "eri.ballet@example.com",
            "",
        ),
        (
            "企業様とのお仕事については、すべて所属レーベルのスタッフが窓口となって対応しております。"
            "お手数ですがレーベルを通してご相談いただけますでしょうか。",
            "kotone.music@example.jp",
            "",
        ),
        (
            "I have a management team that looks after all my partnerships, so could you please get "
            "in touch with them about this?",
            "milo@example.com",
            "",
        ),
        (
            "PRのお仕事については、夫がマネージャーとしてスケジュールや条件の調整をしてくれています。\n"
            "お手数ですが、夫（松本健二）宛に改めてご連絡をお願いできますでしょうか。\n\nkenji.m@example.net",
            "kozue.home@example.jp",
            "kenji.m@example.net",
        ),
        ("talk to my mgmt pls, i dont do deals myself 🤙", "milo@example.com", ""),
        (
            "うちのこういう仕事は全部嫁がマネージャーとしてやってくれてるんで、こっちに送ったってください🙏\n"
            "kaori.mgr@example.com",
            "takeshi.camp@example.jp",
            "kaori.mgr@example.com",
        ),
        (
            "yo thanks for reaching out, I've got an agent that does all my deals now so send it "
            "their way and they'll sort it",
            "milo@example.com",
            "",
        ),
        (
            "りんのメール対応をしております、アシスタントの佐藤と申します。\n本人に確認いたしましたところ、"
            "ぜひお受けしたいとのことでした。\n今後のご連絡はこちらのアドレスで私が承りますので、"
            "詳しい条件をお送りいただけますでしょうか。",
            "assistant.rin@example.com",
            "assistant.rin@example.com",
        ),
        # Only through her casting company, with no address: a referral all the same.
        (
            "企業様とのお取引は、契約しているキャスティング会社を通す形でしかお受けしていないんです。"
            "恐れ入りますが、キャスティング会社の方からご依頼いただけますでしょうか。",
            "mirei@example.jp",
            "",
        ),
        # Handling everything herself is what she liked before signing with the agency.
        (
            "In October I signed with an agency. I resisted for ages because I liked handling "
            "everything myself, but part of the deal is that I don't negotiate partnerships "
            "myself anymore, so I'd ask you to go through my agency for this.",
            "rosie@example.com",
            "",
        ),
        (
            "Hi Hana! I've moved all brand conversations over to hello@miloskin.studio - would you "
            "mind resending the details there? This inbox is getting retired soon.",
            "milo@example.com",
            "hello@miloskin.studio",
        ),
        # An agency for whom the talent is exclusive, asking for this address.
        (
            "Thank you for thinking of our client. Milo is exclusive with Peach PR for all brand "
            "work, so we'll take it from here. Please send the rate brief, deliverables and usage "
            "terms to this address and copy nobody else.",
            "talent@peachpr.com",
            "talent@peachpr.com",
        ),
        # The talent hands it to her manager, who will write: no address yet.
        (
            "企業様とのお取引はすべてマネージャーが担当しておりますので、このメールをマネージャーに"
            "共有しておきます。後日マネージャーからご連絡いたしますので、以降のやりとりはマネージャー"
            "とお願いいたします。",
            "mina.beauty@example.jp",
            "",
        ),
        (
            "Hi Hana, thanks for reaching out! We're with Halcyon Talent now, so please direct "
            "anything for either of us through them. Their contact details are in our Insta bio.",
            "caseyandjo@example.com",
            "",
        ),
        (
            "I'm Luca's dad and the official contact for his account (he's 14). Please email me "
            "here for anything from now on, rather than writing to Luca.",
            "d.ferreira@example.com",
            "d.ferreira@example.com",
        ),
        (
            "I don't deal with brand things directly anymore, my management team does. I don't "
            "have their email to hand, sorry, but you'll find them through the link in my bio.",
            "milo@example.com",
            "",
        ),
        (
            "Thank you for your interest in working with Alex. All of Alex's brand partnerships "
            "are handled by Lumen Agency. Please send campaign details, deliverables and budget to "
            "this address and a member of our team will respond within 3 business days.",
            "bookings@lumenagency.com",
            "bookings@lumenagency.com",
        ),
        (
            "仕事用はこっちでお願いします mina.work.pr@gmail.com",
            "mina.beauty@example.jp",
            "mina.work.pr@gmail.com",
        ),
        (
            "うち事務所入ってんねん、せやから案件のお話は pr-desk@example.com の方にメールしたってください",
            "mina.beauty@example.jp",
            "pr-desk@example.com",
        ),
        (
            "I'm writing on behalf of Milo, who forwarded your note to us. He's open to hearing "
            "more, but please route everything through this address from now on rather than his "
            "personal inbox.",
            "partnerships@northloop.example.com",
            "partnerships@northloop.example.com",
        ),
        (
            "Thanks for your email to Imogen Clarke. We're her talent agency and look after all her "
            "bookings, so please direct any further correspondence about this campaign to us.",
            "bookings@solsticetalent.example.com",
            "bookings@solsticetalent.example.com",
        ),
        (
            "I'm Jess, talent manager at Brightline Management. Milo forwarded your note to me. "
            "Could you send your company details, the brief and the proposed fee to me directly? "
            "I'll take it from here.",
            "jess@brightline-mgmt.example.com",
            "jess@brightline-mgmt.example.com",
        ),
        (
            "I'm Mei, the assistant who handle Yuki's inbox. Yuki said yes, she likes to try the "
            "serum! From now please send all the details and the contract to me.",
            "assistant.mei@example.com",
            "assistant.mei@example.com",
        ),
        # Agencies and whoever runs the talent's inbox, writing for her.
        (
            "Thank you for your email to Noor Haddad, which has been passed to us as her "
            "representatives. Before we take this to Noor, we'll need a full brief.",
            "bookings@coralline.example.net",
            "bookings@coralline.example.net",
        ),
        (
            "Hey Hana, Sam here. I run the inbox for @glowwithgrace. Grace is keen on this!",
            "sam@glowwithgrace.example.com",
            "sam@glowwithgrace.example.com",
        ),
        (
            "ピーチタレント株式会社の大島と申します。「さくらこ」の所属事務所として、本人宛のご依頼を"
            "拝見いたしました。ぜひ詳細をお聞かせいただけますでしょうか。",
            "oshima@peach.example.jp",
            "oshima@peach.example.jp",
        ),
        (
            "オフィス月影でございます。所属の「ゆめか」宛にいただいたご依頼を、事務所にて拝見しました。"
            "2月中旬以降の投稿でしたら調整可能です。",
            "info@tsukikage.example.jp",
            "info@tsukikage.example.jp",
        ),
        (
            "Thanks for your email to Leo. This is the collaborations inbox for Leo Park - I'm Anna "
            "and I coordinate his partnerships. Leo is interested in the serum.",
            "collabs@example.com",
            "collabs@example.com",
        ),
        # A manager's yes with a later date: the manager goes on with us.
        (
            "I manage Dani Cho's partnerships at Hollowtree; she forwarded your email to me. She's "
            "interested, but she's booked solid through mid-April. If a late-April post works, "
            "send over a brief and budget and I'll put together a proposal.",
            "talent@hollowtree.example.net",
            "talent@hollowtree.example.net",
        ),
        (
            "Priya here. I run bookings and the inbox for Dan's channel. He's open to it if it's "
            "framed around his evening routine. What would you need from us?",
            "priya@dan.example.com",
            "priya@dan.example.com",
        ),
        (
            "クリエイター「なつ」のマネジメントを行っております、つぼみエージェンシーの岡田でございます。\n"
            "案件概要・ご予算・投稿希望時期をお知らせいただけますでしょうか。",
            "okada@tsubomi.example.jp",
            "okada@tsubomi.example.jp",
        ),
        (
            "hey, not the right inbox for this — deals@ironbark.example.com is where brand stuff goes",
            "gabe@example.com",
            "deals@ironbark.example.com",
        ),
        (
            "弊社所属クリエイター「ゆめ」へのご依頼、誠にありがとうございます。\n本人への直接のご連絡は"
            "ご遠慮いただいており、本件は弊社にて窓口を務めさせていただきます。",
            "info@hoshizora.example.jp",
            "info@hoshizora.example.jp",
        ),
        (
            "みさきの連絡窓口を担当しているスタッフの佐藤です。\n本人に確認したところ、ぜひお受けしたいとのことでした！",
            "support@misaki.example.net",
            "support@misaki.example.net",
        ),
        (
            "I'm Kelly, executive assistant to Jordan. Jordan isn't taking on paid posts in December, "
            "but she asked me to set up a short call with you in early January.",
            "kelly@jordan.example.com",
            "kelly@jordan.example.com",
        ),
        # "I'll pass your answers on" is no pass.
        (
            "Leah here, I run the inbox for @glowwithgrace. Grace has a few questions before she "
            "commits: is the serum safe to use with tretinoin? I'll pass your answers on.",
            "leah@grace.example.com",
            "leah@grace.example.com",
        ),
        # An assistant who says to keep writing to her is the contact, not a self-managed talent.
        (
            "めいのアシスタントをしております小林です。\nめい宛のメールは私が確認・お返事しております。\n"
            "本人に確認したところ、ぜひお受けしたいとのことでした！\n詳細は、このまま私とやりとりさせてください。",
            "assistant.mei@example.jp",
            "assistant.mei@example.jp",
        ),
        (
            "りなの事務作業を手伝っている佐藤です。\nりなのメールボックスは私が確認・返信しております。",
            "sato.office@example.jp",
            "sato.office@example.jp",
        ),
        (
            "Hi Hana - Tom here, agent for Dani (@glowwithdani). She passed your note along to me. "
            "We're open to it.",
            "tom@palette.example.com",
            "tom@palette.example.com",
        ),
        (
            "きらら・マネジメントでございます。\n所属クリエイター「もも」へのPRご依頼、ありがとうございます。",
            "info@kirara.example.jp",
            "info@kirara.example.jp",
        ),
        (
            "Yo Hana, thanks. My partner Sam runs my brand deals these days, so drop him a line at "
            "sam.ortiz@example.net and he'll tell you where to ship stuff.",
            "milo@example.com",
            "sam.ortiz@example.net",
        ),
        (
            "Good day, Ms. Hana!\n\nThis is Trish from Kalye Creatives, talent manager of Bea "
            "Santos. Bea forwarded your email to me. Kindly coordinate with me directly at this "
            "address for the rates, deliverables and shipping details.",
            "trish@kalyecreatives.ph",
            "trish@kalyecreatives.ph",
        ),
        # Gifting refused, paid work taken to the talent by the agency that writes.
        (
            "リリーマネジメントの小林です。\n弊社所属のあんなへのご依頼、ありがとうございます。\n"
            "ギフティングのみのご依頼はお受けしておりませんが、有償でのご依頼でしたら本人と調整いたします。\n"
            "案件のご相談は弊社（talent@lily-mgmt.example.jp）にて承っております。",
            "talent@lily-mgmt.example.jp",
            "talent@lily-mgmt.example.jp",
        ),
        # A former desk named after the agency's contact: not where to write.
        (
            "お仕事のご依頼は、所属事務所にてお受けしております。\n\n株式会社ルミナマネジメント　担当：佐藤\n"
            "Mail：sato@lumina-mgmt.example.jp\n\n※こちらの個人アドレスや、旧窓口の info@lumina.example.jp "
            "は現在使用しておりませんので、お手数ですが上記の佐藤宛てにお送りください。",
            "mio.private@example.jp",
            "sato@lumina-mgmt.example.jp",
        ),
        (
            "Yes!\n\nBut please use my collab inbox, hello@ellaglow.example.com, for the contract and "
            "anything else, not this one. This is my personal Gmail.",
            "ella.g@example.com",
            "hello@ellaglow.example.com",
        ),
        (
            "I'm Hattie, Camille Dorsey's manager at Fern & Oak. Camille forwarded your email over "
            "and asked me to pick it up from here.\n\nShe'd be open to a conversation.",
            "hattie@fernandoak-mgmt.example.com",
            "hattie@fernandoak-mgmt.example.com",
        ),
        (
            "PRのお仕事については、すべて代理店に一任しております。\n条件面も含め、下記の担当者とお話しいただけますでしょうか。\n\n"
            "ブルームエージェンシー 企画部\npr@bloom-agency.example.net",
            "shizuka.i@example.net",
            "pr@bloom-agency.example.net",
        ),
        (
            "I work with a small agency for all my collaborations (it keeps me sane), so would you "
            "mind sending the details to Priya at Wren@OakAndAsh-Agency.example.com?",
            "wren.oakley@example.com",
            "wren@oakandash-agency.example.com",
        ),
        (
            "どうも〜、なにわプロの森です。\nうちの「ちーちゃん」宛にメールもろたみたいで、本人から回ってきました。\n\n"
            "案件は全部事務所で受けとるんで、これからはこっち（casting@naniwa-pro.example.jp）に連絡もろてええですか？",
            "casting@naniwa-pro.example.jp",
            "casting@naniwa-pro.example.jp",
        ),
        # "Never mind this side" beside the agency's address: where to write, not a stop.
        (
            "お仕事のご依頼は所属事務所（株式会社ミモザプロダクション）経由でお願いしております。\n"
            "担当：佐藤　mimosa-pr@example.co.jp\n\nちなみに、先月注文した化粧水の返品の件はサポート窓口さんに"
            "別途ご連絡済みですので、こちらはお気になさらず。",
            "mimosa.rin@example.jp",
            "mimosa-pr@example.co.jp",
        ),
        # Written from the very address it asks us to use.
        (
            "PRのご相談ありがとうございます、前向きに考えたいです。\nただ、このアドレスは定期便の解約手続きのやりとりと"
            "混ざってしまいそうなので、お仕事の件は仕事用のアドレスに改めてお送りいただけますか？\n\n"
            "仕事用：work.rin@example.jp\n\nお手数をおかけします。\nりん",
            "work.rin@example.jp",
            "work.rin@example.jp",
        ),
        (
            "ありがとうございます✨\n案件まわりは全部こっちでお願いしてます！👇\npr@mocha-office.example.jp",
            "mocha.chan@example.jp",
            "pr@mocha-office.example.jp",
        ),
        (
            "まいど、なにわプロの岡田です。\nうちの「みっちゃん」にメールくれはったみたいで、おおきにです。\n"
            "本人忙しいんで、この件はこっちで話させてもらいますわ。\nギャラとかスケジュールとか、詳しいことこのアドレスに送ってもらえます？",
            "office@naniwa-pro.example.jp",
            "office@naniwa-pro.example.jp",
        ),
        (
            "はじめまして！りんかのアシスタントをしている者です🙇‍♀️\n案件のご連絡はわたしが受けているので、"
            "このままこのアドレスで進めてください〜",
            "assist.rinka@example.jp",
            "assist.rinka@example.jp",
        ),
        (
            "Thank you for the invite! I'm under Island Collective for brand deals, so kindly "
            "coordinate with my handler at bookings@islandcollective.example.ph for rates and scheduling.",
            "mia.torres@example.ph",
            "bookings@islandcollective.example.ph",
        ),
        (
            "This is Joanna from Manila Creators Hub, the exclusive management of Bea Santos. Kindly "
            "coordinate with us for any campaigns involving Bea.",
            "bookings@manilacreatorshub.ph",
            "bookings@manilacreatorshub.ph",
        ),
        (
            "Jumping in here for Tasha - Brooklyn Brand House reps her for all paid work. Send the "
            "brief and timeline our way.",
            "ops@brooklynbrandhouse.com",
            "ops@brooklynbrandhouse.com",
        ),
        (
            "Lumen Row manages partnerships for Aisha Bello (@aishaglows). Please send the brief and "
            "budget to this address; we'll confirm availability within 48 hours.",
            "deals@lumenrow.example.com",
            "deals@lumenrow.example.com",
        ),
        (
            "Renraku arigatou gozaimasu. Takumi desu.\nShigoto no irai wa jimusho keiyu de onegai shite imasu.\n"
            "Kochira made onegai shimasu: info@sakuraba-office.example.jp",
            "takumi.skincare@example.jp",
            "info@sakuraba-office.example.jp",
        ),
        # An agency asks us not to write to the talent's own address: the decline inside the
        # same words goes with the stop.
        (
            "クリエイター「はるか」の所属事務所、タレントサポート窓口でございます。\n\n本人宛にいただいたご依頼を拝見いたしました。\n"
            "大変恐縮ですが、本人の個人アドレスへのご依頼は控えていただき、\n今後は当窓口（本メールの返信先）までご連絡をお願いいたします。",
            "talent-support@example.jp",
            "talent-support@example.jp",
        ),
        (
            "Good day! This is Patricia from Island Creatives, the talent management of Kaye Dizon.\n"
            "Kaye asked us to handle your inquiry. Kindly send the campaign brief and budget to this "
            "email so we can check her calendar.",
            "hello@islandcreatives.example.ph",
            "hello@islandcreatives.example.ph",
        ),
        # The address on the line below "this address", with whoever reads it named after it.
        (
            "現在、企業様とのやり取りは全て専属マネージャーにお任せしております。\n今後はこちらのアドレスにご連絡いただけますでしょうか。\nmanager.kaho@example.jp（担当：井上）\nよろしくお願いいたします。",
            "kaho.daily@example.jp",
            "manager.kaho@example.jp",
        ),
        # A manager's afterthought: write to him here from now on.
        (
            "Milo forwarded your note to me. Thanks for thinking of him.\n\nChris Adeyemi\nNorth Peak Talent\n\nPS: going forward please leave Milo off the thread and send briefs, rates and contracts to me here. He's asked us to handle all brand conversations.",
            "bookings@northpeak-talent.example.com",
            "bookings@northpeak-talent.example.com",
        ),
        # The address her signature gives, pointed to from the text.
        (
            "Oh look, a brand that actually spelled my name right. Gold star.\n\nI don't handle bookings myself these days - the address in my signature is the one to use.\n\nThanks,\nAisha\n--\nAisha Bello | Creator\nBookings & collaborations: bookings@bellomedia.example.com",
            "aisha.b@example.com",
            "bookings@bellomedia.example.com",
        ),
        # The address she used last year, named only as past; the new one given.
        (
            "去年のコラボの際はこのアドレスでやり取りしていましたが、今年からお仕事用のアドレスを分けました。\nPRのご相談は rina.works@example.jp の方に送っていただけますか？\nそちらで確認してお返事します。",
            "rina.makeup@example.jp",
            "rina.works@example.jp",
        ),
        (
            "Please stop sending pitches to this address - it's basically a family account now.\n\nEverything brand-related goes to kai@kaimoreno.example.com. Happy to look at the serum brief there.",
            "kai.moreno@example.com",
            "kai@kaimoreno.example.com",
        ),
        # "As below" pointing at the desk named in the signature, not at our footer; a new manager writing.
        (
            "ご連絡ありがとうございます！\n下記の通りお願いいたします。\n\n--------------------\nことね / ASMR\n※企業様からのお仕事のご依頼は、すべて下記窓口までお願いいたします。\n本アドレスではお受けしておりません。\nエコークリエイターズ 案件窓口：partners@echo-creators.example.jp\n--------------------",
            "kotone.asmr@example.jp",
            "partners@echo-creators.example.jp",
        ),
        (
            "I'm Marcus, and as of this month I'm managing Theo Grant's brand partnerships at Northpeak Talent. Theo passed your note along.\n\nHe's open to hearing more. Could you send the brief, deliverables and budget to me directly?",
            "marcus.bell@northpeak-talent.example.com",
            "marcus.bell@northpeak-talent.example.com",
        ),
        # A bare address with "pls"; the manager who looks after the talent's jobs; an agency asking that all correspondence go to the writer.
        (
            "mgmt@brightside-talent.example.com pls",
            "milo@example.com",
            "mgmt@brightside-talent.example.com",
        ),
        (
            "案件系はぜんぶマネージャーの田中さんが見てくれてるので、\nそっちに投げてもらえると助かります🙏\ntanaka@kirari-m.example.jp",
            "kotaro.outdoor@example.jp",
            "tanaka@kirari-m.example.jp",
        ),
        (
            "I'm with Lumen Talent, which represents Dayo Okafor exclusively. Kindly direct all further correspondence regarding this campaign to me. Happy to share Dayo's rate card once we have your brief.\n\nRegards,\nFolasade Ibe\nPartnerships Lead, Lumen Talent",
            "fola@lumentalent.ng",
            "fola@lumentalent.ng",
        ),
        # An agency asking that nothing go to the talent directly, and everything to its own desk.
        (
            "はじめまして、レモンクリエイターズ事務局です。\n弊社所属クリエイター「ちゃみ」宛のご連絡を転送いただきました。\n\n本人への直接のご依頼はお控えいただき、\n本件含め案件のご相談は弊社事務局宛にお願いいたします。\n改めて詳細をお送りいただけますでしょうか。",
            "office@lemon-creators.example.jp",
            "office@lemon-creators.example.jp",
        ),
        # A manager writing in a second language, for the talent.
        (
            "Good day. I am Orn, manager of Praew. Praew receive your email and ask me to reply. Every brand work of her go through me, please contact me for all detail from now.\nKindly send to me the rate you offer and the timeline.",
            "orn@siamstar-talent.example.co.th",
            "orn@siamstar-talent.example.co.th",
        ),
        # A talent manager asking that proposals go to him from now on.
        (
            "Jordan Woods here, talent manager at Atlas Creators. Your message to Milo was passed to me.\n\nBefore we can consider any skincare work we run a conflict check. Going forward, please send proposals to me directly.",
            "j.woods@atlas-creators.example.com",
            "j.woods@atlas-creators.example.com",
        ),
        # An agency asking that its talents not be written to directly.
        (
            "ことのはエージェンシーの岡田でございます。\n弊社所属の水野あかり宛にご連絡をいただいておりましたので、代わってご返信申し上げます。\n\n恐れ入りますが、所属タレントへの直接のご連絡はお控えいただき、今後は弊社までお問い合わせいただけますと幸いです。\n本件につきましては前向きに検討したく、詳細資料をお送りいただけますでしょうか。",
            "info@kotonoha-agency.example.jp",
            "info@kotonoha-agency.example.jp",
        ),
        # An agency asking for the brief to come to it.
        (
            "Lantern House looks after Cal's brand partnerships, so we'll pick this up from here. Please keep Cal off future threads and send the brief and budget to us directly.\n\nThanks,\nPriscilla\nLantern House Bookings",
            "bookings@lanternhouse.agency",
            "bookings@lanternhouse.agency",
        ),
        # A manager in Kansai dialect taking the matter over.
        (
            "どうも、ナオキのマネージャーやってます中川です。\n本人からこの件回ってきました。\n条件とか詳しく聞かせてもらえます？この件はこっちで預かりますんで、\n今後は僕宛にお願いしますわ。",
            "nakagawa@kansai-talent.example.jp",
            "nakagawa@kansai-talent.example.jp",
        ),
        # A manager's title misspelt; a booking agent's address to reply to.
        (
            "Cassie here, I'm Noah's manger at Lumen Management. He's keen on the Sakura Night Serum!\n\nPlease direct everything to me going forward — brief, deliverables, fee.",
            "cassie@lumen-mgmt.example.com",
            "cassie@lumen-mgmt.example.com",
        ),
        (
            "My booking agent at Crestline handles all paid and gifted\npartnerships - please reply to bookings@crestline-creators.example.com with the details.",
            "aria.lopez@example.com",
            "bookings@crestline-creators.example.com",
        ),
        # An agency asking, in the middle of a thank-you, that the matter go to it from now on.
        (
            "はじめまして。花道オフィスの木村と申します。\n先日の横浜のビューティーイベントでは、御社のブースでみずきが大変お世話になりました。\n\nみずき宛にいただいた本件のご連絡は、以後は弊社の木村までご連絡ください。\n\nイベントの際の写真も、よろしければ共有させていただきます。",
            "kimura@hanamichi-office.example.jp",
            "kimura@hanamichi-office.example.jp",
        ),
        # The creator's own collab inbox, "the one to use"; a talent in Kansai dialect pointing to her agency.
        (
            "Hiya! I don't handle partnerships from this inbox, it's my personal one.\n\ncollabs@rosiemakes.example.com is the one to use, I check it every day.",
            "rosie.makes@example.com",
            "collabs@rosiemakes.example.com",
        ),
        (
            "うち事務所入ってるんで、お仕事の話はそっちに連絡してもろてええですか？\nstaff@kansai-creators.example.jp\n担当の者が対応しますんで、よろしゅうお願いします。",
            "shun.makeup@example.jp",
            "staff@kansai-creators.example.jp",
        ),
        (
            "Jordan here -- I manage Milo's partnerships and he forwarded your note over. He likes the brand, but he only does paid work with a signed SOW, so let's keep this thread with me.\n\nCan you send over the brief, deliverables and budget?",
            "jordan@kitemgmt.example.com",
            "jordan@kitemgmt.example.com",
        ),
        # A creator who has forwarded the pitch to her manager's address.
        (
            "桜井さんこんにちは！りなです〜\nマネちゃんに転送しといたので、今後はそっちとやりとりしてもらえると助かります🙏\nmanager.rina@example.com\nよろしくです！",
            "rina.ootd@example.jp",
            "manager.rina@example.com",
        ),
        # A billing address labelled in the clause before it; this address, asked for.
        (
            "本件は私が窓口となりますので、こちらのアドレスへご返信ください。\n"
            "なお、経理関連は keiri@sakura.example.jp ですが、ご連絡は私宛でお願いいたします。",
            "ishii@sakura.example.jp",
            "ishii@sakura.example.jp",
        ),
        # "To me rather than her inbox (…)": the talent's address is where not to write, and
        # "me" is the writer; a parent's "to me" with her own other address given is that one.
        (
            "I look after Mia's partnerships. Please direct everything to me here rather than "
            "to Mia's inbox (mia@example.com).\n\nJade\njade@talent.example.com",
            "jade@talent.example.com",
            "jade@talent.example.com",
        ),
        (
            "Please send all future correspondence to bookings@harbor.example.com rather than "
            "Kai's personal inbox? That way it reaches the team.\n\nDaniel\n"
            "daniel@harbor.example.com",
            "daniel@harbor.example.com",
            "bookings@harbor.example.com",
        ),
        (
            "ひなたの母です。詳しい条件は私宛てにお送りいただけますか。このアドレスは娘が管理して"
            "いるため、今後のご連絡は下記にお願いいたします。\n\nhinata.mama@example.jp",
            "hinata@example.jp",
            "hinata.mama@example.jp",
        ),
        (
            "ひなたオフィスの小林です。所属タレント宛のご案内を本人より共有を受けました。今後の"
            "やりとりは、本人のアドレスではなく、担当の私（小林）宛にお願いできますでしょうか。",
            "kobayashi@hinata.example.jp",
            "kobayashi@hinata.example.jp",
        ),
    ],
)
def test_the_referral_names_the_address_a_reader_would_write_to(
    text: str, sender: str, to: str
) -> None:
    reading = read_reply(text, sender=sender)
    assert (reading.intent, reading.referred_to) == ("referral", to)


def test_only_the_start_of_a_very_long_text_is_read() -> None:
    assert read_reply("Please remove me.\n" + "more words " * 20_000).intent == "opt_out"
    assert read_reply("more words " * 20_000 + "\nPlease remove me.").intent == "interested"


def test_a_friend_who_forwarded_the_pitch_is_not_a_manager() -> None:
    reading = read_reply(
        "My friend Orla forwarded me your email and said I'd love it. I do a weekly night-routine "
        "series. Is the paid post still open?",
        sender="niamh@example.ie",
    )
    assert reading.intent == "interested"


def test_regret_with_nothing_else_is_a_decline_for_a_person_to_confirm() -> None:
    reading = read_reply("Aw thank you! I'm 34 weeks along and nothing new for me. Sorry!")
    assert reading.intent == "decline" and reading.confidence < REVIEW_BELOW
    assert "probably a decline" in reading.reasons[-1]
    # A question keeps it a reply: they are still talking.
    asks = read_reply("Sorry, I'm 34 weeks along. Could we do this in the spring?")
    assert asks.intent == "interested"


@pytest.mark.parametrize("text,intent", FORMS)
def test_forms(text: str, intent: str) -> None:
    assert read_reply(text, sender="me@x.jp").intent == intent


def test_our_pitch_pasted_below_without_quote_marks_changes_no_reading() -> None:
    cases = [
        c for c in load(LABELLED) + load(HELD_OUT) + load(HELD_OUT2) if c.intent != "auto_reply"
    ]
    changed = []
    for case in cases:
        plain = Case(
            id=case.id,
            lang=case.lang,
            subject=case.subject,
            body=case.body,
            intent=case.intent,
            quote="plain",
            sender=case.sender,
            received=case.received,
            headers=case.headers,
        )
        found = parse_and_classify(plain.raw())
        if (predicted_intent(found), found.referred_to) != (case.intent, case.referred_to):
            changed.append(case.id)
    assert changed == []


def test_an_out_of_office_read_from_its_words_alone_is_less_sure() -> None:
    ooo = {c.id: c for c in load(LABELLED)}["ja-ooo-15"]  # subject cue, no header
    assert parse_and_classify(ooo.raw()).confidence == 0.9
    assert parse_and_classify(_plain(ooo).raw()).confidence == 0.7
    with_header = {c.id: c for c in load(LABELLED)}["ja-ooo-01"]
    assert parse_and_classify(with_header.raw()).confidence == 1.0


@pytest.mark.parametrize(
    "text,intent",
    [
        ("I would like to unsubscribe.", "opt_out"),
        ("I don't want to unsubscribe, I just can't do December.", "interested"),
        ("このメールの配信を停止してください", "opt_out"),
        ("配信停止：お願いします", "opt_out"),
    ],
)
def test_a_sentence_like_a_footer_marker_is_still_read(text: str, intent: str) -> None:
    assert own_text(text) == text
    assert read_reply(own_text(text)).intent == intent


def test_footer_lines_with_their_link_are_dropped() -> None:
    assert (
        own_text("はい!\n配信停止：https://brand.example/u/x\nTo unsubscribe: https://b.example/u")
        == "はい!"
    )


def test_the_deciding_phrase_is_the_first_reason() -> None:
    found = read_reply(
        "配信停止はしないで…と言いたいところですが、今後このようなメールは送らないでください"
    )
    assert found.intent == "opt_out"
    assert found.reasons[0] == "opt_out phrase 'メールは送らないで' (weight 0.95)"


@pytest.mark.parametrize(
    "text,review",
    [
        # Refusals worded in ways no phrase reads: the words they are made of send them to a
        # person instead of being taken as a yes.
        ("Honestly this is bordering on harassment at this point.", True),
        ("No longer checking this inbox for brand stuff.", True),
        ("この手のメールが毎日届いて、正直しつこいと感じています。", True),
        # The same words beside a sign of interest, or in a plain yes, do not.
        ("Could you remove the watermark requirement? Then I'm in!", False),
        ("ライブ配信は休止中ですが、投稿でしたらぜひ!", False),
        ("Sounds great, send me the brief.", False),
    ],
)
def test_words_of_a_stop_request_in_an_unread_reply_ask_for_review(text: str, review: bool) -> None:
    found = read_reply(text)
    assert (found.confidence < REVIEW_BELOW) is review, (found.intent, found.reasons)


def test_a_referral_to_the_author_of_the_quoted_message() -> None:
    raw = (
        b"From: Milo <milo@example.com>\nTo: Hana <hana@hanamilabs.jp>\n"
        b"Subject: Re: Collab\nMessage-ID: <q1@example.com>\nContent-Type: text/plain\n\n"
        b"Hana, adding my manager here, see her note below. Please work with her on this.\n\n"
        b"On Oct 12, 2026, at 4:41 PM, Dana Whitfield <dana@tallgrassmgmt.com> wrote:\n\n"
        b"> Hi Milo, forward brands to me and I'll take it from there.\n"
    )
    found = parse_and_classify(raw)
    assert (found.intent, found.referred_to) == ("referral", "dana@tallgrassmgmt.com"), (
        found.reasons
    )
    # Our own message quoted below is no one to continue with.
    ours = raw.replace(b"Dana Whitfield <dana@tallgrassmgmt.com>", b"Hana <hana@hanamilabs.jp>")
    assert parse_and_classify(ours).referred_to in (None, ""), parse_and_classify(ours).reasons


def test_an_agency_asking_to_write_to_this_address_instead_of_the_talent_is_a_referral() -> None:
    text = (
        "弊社所属のクリエイターのマネジメントを担当しております。\n"
        "今後は本人への直接のご連絡はお控えいただき、本メールアドレス宛てにお送りください。"
    )
    reading = read_reply(text, sender="pr@agency.example.jp", ours=("hana@hanamilabs.jp",))
    assert (reading.intent, reading.referred_to) == ("referral", "pr@agency.example.jp"), reading
    # Without the pointer to this address, the same stop is an opt-out.
    alone = read_reply("今後はご連絡はお控えください。", sender="pr@agency.example.jp")
    assert alone.intent == "opt_out", alone


def test_the_senders_own_address_counts_only_when_the_text_points_at_it() -> None:
    dad = "dan.okafor.family@gmail.com"
    asked = read_reply(
        "This is Milo's dad; anything brand-related goes through me. "
        f"Please send details to me at {dad}.",
        sender=dad,
    )
    assert (asked.intent, asked.referred_to) == ("referral", dad), asked
    signed = read_reply(f"Sounds fun! Send me the details.\n\nDan\n{dad}", sender=dad)
    assert signed.intent == "interested", signed


def test_a_hope_to_talk_again_is_no_threat_to_write_again() -> None:
    # 「できたら」 ends in きたら ("if it comes"), which an opt-out threat uses.
    reading = read_reply(
        "同ジャンルのPRはお受けできないんです。契約が明けたタイミングでまたご相談できたら嬉しいです。"
    )
    assert reading.intent == "decline", reading


@pytest.mark.parametrize(
    "body,back",
    [
        # A responder's "sorry" is no regret about the offer.
        ("OOO: paternity leave!! Back Feb 1 2027. Not checking email, sorry.", date(2027, 2, 1)),
        (
            "ただいま産休・育休中です。2027年4月1日より復帰予定です。大変恐縮ですが…",
            date(2027, 4, 1),
        ),
        ("This mailbox is not monitored. Your message has not been read.", None),
        ("Your request (#48213) has been received. We will respond within 2 days.", None),
        # A contact for what cannot wait does not make a responder a person's referral.
        (
            "I'm on a little social media and email detox over the holidays. I'll be checking my "
            "inbox again from January 11. If it's urgent, you can reach my assistant at "
            "team@example.com.",
            date(2027, 1, 11),
        ),
        # "through Sunday, December 13" (received Friday the 11th): back on Monday the 14th.
        (
            "Hey! Thanks for your email. I'm away for a long weekend through Sunday, December 13 "
            "and won't be answering emails until I'm back.\n\nTalk soon,\nRita",
            date(2026, 12, 14),
        ),
        (
            "このメールはシステムより自動的に送信されています。\n\nお問い合わせいただき誠にありがとう"
            "ございます。内容を確認のうえ、担当者より順次ご連絡いたします。",
            None,
        ),
        # A medical leave, and where orders go meanwhile: no referral.
        (
            "I'm on medical leave through Friday, December 11 and won't be reading messages while "
            "I'm off. For anything to do with an existing order, please write to shop@example.net.",
            date(2026, 12, 14),
        ),
        # A shop's notice: mail not read during a fair, answered in turn from a date.
        (
            "お問い合わせありがとうございます。\nただいま展示会準備のため、メールの確認ができておりません。\n"
            "12/14（月）から順次対応いたします。\n\natelier MIHO",
            date(2026, 12, 14),
        ),
        # "My last day out is …" names the last day away: back the next weekday.
        (
            "Hi there, I'm currently on leave. My last day out is Thursday, December 24. Your "
            "message has not been forwarded, and I'll get back to you after I return.",
            date(2026, 12, 25),
        ),
        # "Hello and thanks", "Hi lovely,": greetings a responder writes to anyone.
        (
            "Hello and thanks for your message.\n\nI'm away for the holidays and will be back in "
            "the office on Tuesday, January 12. Emails received during this time won't be "
            "forwarded.",
            date(2027, 1, 12),
        ),
        (
            "Hi lovely,\n\nThe salon is closed for the holidays from 24/12 to 02/01. Emails will "
            "be read from 3 January.",
            date(2027, 1, 3),
        ),
        # "From … up to and including …" names the last day away.
        (
            "I'm on holiday from 18 December up to and including 28 December and won't have access "
            "to email.",
            date(2026, 12, 29),
        ),
        (
            "【これは自動返信やで】\nいま海外で撮影中やねん🌏\n12月21日に戻るで、返信はそれ以降になるわ。",
            date(2026, 12, 21),
        ),
        (
            "Hello, and thank you for getting in touch.\n\nI'm currently away; my last day out is "
            "Friday 18th December. I'll pick up emails when I'm back.\n\nMany thanks,\nImogen",
            date(2026, 12, 21),
        ),
        # Says it was sent automatically: a responder, whatever it says of the absence.
        (
            "いつもありがとうございます。はのんです。\nただいま体調不良のため活動をお休みしており、"
            "メールのお返事ができません。\n復帰時期は未定です。再開の際はSNSでお知らせします。\n"
            "（このメールは自動で送られています）",
            None,
        ),
        (
            "I'm travelling with patchy access to email. I'll reply as soon as I can.\n\n-- Sam",
            None,
        ),
        (
            "Hello, thanks for getting in touch! I'm away up to and including Wednesday the 9th and will respond when I return.\nGrace\n(automatic reply)",
            date(2026, 12, 10),
        ),
        (
            "This is an automatic reply.\n\nThanks for getting in touch with Salt & Sage. Bea and I are both off on a mini-break;\nour last day out is Friday the 18th, and we'll be reading email again after that.",
            date(2026, 12, 21),
        ),
        (
            "本メールは自動応答です。\n\n12月8日（火）・9日（水）はお休みをいただいております。\nいただいたメールは休み明けに確認させていただきます。",
            date(2026, 12, 10),
        ),
        (
            "ご連絡ありがとうございます。三浦です。\n現在休暇中です（Last day out: 12/10）。\n復帰後に確認してご返信いたします。",
            date(2026, 12, 11),
        ),
        (
            "Hello,\n\nWe've received your request (#48213) and a member of our team will be in touch shortly.\nPlease do not reply to this message; any replies will add to your existing ticket.\n\nGlowDesk Support",
            None,
        ),
        (
            "※このメールは自動返信です。\n\n冬季限定のゆず茶ラテは12月1日より販売しております。\nなお、担当者は12月11日(金)まで休暇をいただいております。\nお返事は休暇明けに順次させていただきます。",
            date(2026, 12, 14),
        ),
        (
            "【自動返信メール】\n\n1月の陶芸ワークショップは、1月16日・17日の2日間で開催予定です。\n\n杉本は12月18日まで出張のため、メールの確認ができません。",
            date(2026, 12, 21),
        ),
        # A bare day, a dash and a dated end: the range's last day is away.
        (
            "Thanks for your email. I'm out of the office 22–26 February on a shoot, and I'll reply once I'm back.\n\nThis is an automatic reply.",
            date(2027, 3, 1),
        ),
        (
            "🎫 We've received your message (ticket #48213).\nA member of our team will get back to you within 3–5 business days. Please do not reply to this email.",
            None,
        ),
    ],
)
def test_responders_without_headers_are_automatic(body: str, back: date | None) -> None:
    case = Case(id="r", lang="en", subject="Re: Sakura Night Serum", body=body, intent="auto_reply")
    found = parse_and_classify(case.raw(), received=datetime(2026, 12, 7, 10, tzinfo=UTC))
    assert (found.kind, found.returns_on) == ("auto_reply", back), found.reasons


def test_words_below_a_pasted_message_closed_by_a_rule_are_the_senders() -> None:
    body = (
        "のあのアシスタントの藤井です。以下、転送します。\n\n"
        "---------- 転送メッセージ ----------\nFrom: のあ\n\n今月もう案件いっぱいで無理そう…\n"
        "-----------------------------------\n\n上記のとおりでして、今回は見送らせていただけますと幸いです。"
    )
    assert "見送らせて" in own_text(body)
    assert "案件いっぱい" not in own_text(body)


def test_a_reply_pointing_at_its_own_earlier_mail_pasted_below_reads_that_mail() -> None:
    body = (
        "See below. I said this in October.\n\n-----Original Message-----\n"
        "From: Lena Ortiz <lena@example.com>\nSent: Monday, October 12, 2026 4:32 PM\n"
        "To: Hana Sakurai <hana@hanamilabs.jp>\nSubject: Re: autumn launch\n\n"
        "Please take me off your list. Thanks.\n\nStill getting them. Please do it this time.\n"
    )
    assert read_reply(own_text(body), sender="lena@example.com").intent == "opt_out"


def test_words_after_a_pasted_message_that_resume_with_as_above_are_the_senders() -> None:
    body = (
        "マネージャーの金子です。本人に確認した結果が下記のとおりです。\n\n"
        "-----Original Message-----\nFrom: りさ\nSent: Thursday, December 3, 2026 22:14\n"
        "To: 金子\nSubject: Re: Fwd: バスソルトPRのお願い\n\n受けないです〜\n\n"
        "上記の通りですので、恐れ入りますが今後のご案内は停止していただけますようお願いいたします。\n"
    )
    assert "今後のご案内は停止" in own_text(body)


@pytest.mark.parametrize(
    "text,sender",
    [
        (
            "はなみラボ 桜井様\n\nお世話になっております。みなもです。\n"
            "マネージャー業務も私が兼任しておりますので、このまま私宛にご連絡いただければ大丈夫です。\n"
            "PR投稿、ぜひ前向きに検討させてください。納期とお届け予定日を教えていただけますか？\n\n"
            "━━━━━━━━━━━━━━\n株式会社ミナモプロダクション\n代表 兼 クリエイター　みなも",
            "minamo@minamo-pro.jp",
        ),
        (
            "Hi Hana,\n\nLove the sound of this! Brand partnerships I handle myself, so you're in "
            "the right place. Could you send a sample first so I can check it with my skin before "
            "we talk about the post?\n\nMaya\n\n--\nMaya Lund\n"
            "TV & hosting enquiries: Lumen Talent Agency (tv@lumentalent.com)",
            "maya.lund@example.com",
        ),
        (
            "以前は事務所を通してお仕事を受けておりましたが、今年の9月に契約が終了し、現在はフリーで"
            "活動しております。今後はこちらのアドレスで直接ご相談いただけますと幸いです。\n\n"
            "桜ナイトセラムのPR、ぜひ詳細を伺いたいです。",
            "free.now.ai@example.jp",
        ),
        (
            "よく「事務所はどちらですか？」と聞かれるのですが、私はどこにも所属しておらず、すべて個人で"
            "対応しています。なので、このままこのアドレスでやり取りさせていただければと思います。\n"
            "サンプルをいただけるのであれば、まずは2週間ほど使ってみたいです。",
            "hikari.solo@example.jp",
        ),
        (
            "Sounds great, send it over!\n\nMilo\nRepresented by Sunset Talent for TV work only; "
            "brand deals are handled by me directly.",
            "milo@example.com",
        ),
        (
            "桜井様\n\nはじめまして、ご連絡ありがとうございます。\n"
            "ぜひ使ってみたいです。投稿の時期や本数など、詳細を教えていただけますか？\n"
            "案件のやり取りは私本人が担当しておりますので、このアドレスにご返信ください。\n\n"
            "――――――――――\nネイリスト / 美容クリエイター　相田 ほのか\n"
            "所属：Tokyo Creators Network（コミュニティ）",
            "honoka.nail@example.jp",
        ),
        (
            "ご連絡ありがとうございます。\n"
            "署名にモデル事務所名がありますが、SNSのPRは事務所を通さず個人でお受けしております。\n"
            "このアドレス宛てに詳細をお送りください。\n\n蓮\n━━━━━━━━━━━━━━━━━\n"
            "所属：アトリエ・ルミナ（モデル事務所）\n━━━━━━━━━━━━━━━━━",
            "ren.model@example.jp",
        ),
        (
            "Hi Hana,\n\nMy manager is on holiday until the new year, so I'm answering this one "
            "myself: yes, I'm interested. Please send the rates and brief to me here.\n\nConor",
            "conor.b@example.com",
        ),
        (
            "以前は事務所に所属していたのですが、今年の春に独立しまして、\n"
            "現在はお仕事の窓口もすべて私自身で対応しております。\n"
            "なので、このままこちらのアドレスでやりとりさせてください。\n\n"
            "有償での投稿、ぜひ詳細をお聞きしたいです。",
            "yua.solo@example.jp",
        ),
        (
            "Normally I'd refer you to my agency, but they only handle my YouTube deals - "
            "Instagram I do myself. So you can talk to me directly!\n\nA paid reel works for me.",
            "lena@example.com",
        ),
        # Her husband helps "like a manager"; she is the one to write to.
        (
            "撮影や編集は夫がマネージャーのように手伝ってくれていますが、\n"
            "連絡の窓口は私なので、このアドレスのままで大丈夫です。\n\n"
            "ぜひお受けしたいです。サンプルの発送時期を教えていただけますか？",
            "nodoka.home@example.jp",
        ),
        # What other creators answer, quoted, is not her answer.
        (
            "「事務所を通してください」とお返事するインフルエンサーさんも多いと思うのですが、\n"
            "私はフリーでマネージャーもいないので、このまま直接やり取りさせてください！\n\n"
            "有償投稿の方でぜひお受けしたいです。",
            "hikari.kirei@example.jp",
        ),
        (
            "I used to send everything through my agency, but I left them in the summer and handle "
            "my own deals now, so you've come to the right person.\n\nWhat's the budget?",
            "hannah.glows@example.com",
        ),
        (
            "以前は事務所に所属していたのですが、今年からフリーで活動しています。\n"
            "なので、お仕事のご相談は直接こちらで大丈夫です！\n桜ナイトセラムのPR、ぜひやらせて"
            "いただきたいです。",
            "sora.natural@example.jp",
        ),
        (
            "Just so you know, I used to be repped by an agency but I've been handling everything "
            "myself since the summer, so you've got the right person!\n\nI'd love to do a paid "
            "post.",
            "tasha.creates@example.com",
        ),
        (
            "以前は事務所経由でお仕事を受けていたのですが、今年の春に退所してフリーになりました"
            "ので、このまま私と直接やりとりしていただければ大丈夫です。\nぜひお受けしたいです。",
            "mina.beauty@example.jp",
        ),
        (
            "以前は事務所経由でお仕事を受けていましたが、今年から夫婦二人で直接やり取りしています"
            "ので、このアドレスで大丈夫です。\n\nぜひお願いしたいです！",
            "kotaro.nanami@example.jp",
        ),
        (
            "I used to send all of these to my manager, but we parted ways in October and I handle "
            "everything myself now, so you've reached the right person!\n\nPaid post sounds good.",
            "milo@example.com",
        ),
        # Her manager said she may handle this one herself.
        (
            "念のためマネージャーに確認したところ、こちらの規模の案件であれば\n"
            "私が直接やり取りして大丈夫とのことでしたので、このままこのアドレスでお願いします。\n\n"
            "ぜひ有償でのご依頼でお受けしたいです。",
            "mana.daily@example.jp",
        ),
        # Signed with an agency, but books skincare collabs himself.
        (
            "I'm technically signed with an agency, but skincare collabs I book myself, so no need "
            "to loop them in. Let's do it! Can you send a brief?",
            "milo@example.com",
        ),
        # Her manager is copied; the talks stay with her.
        (
            "マネージャー（ccに入れてます）にも共有していますが、やり取りはこのまま私と直接で大丈夫です！\n"
            "桜ナイトセラム、すごく気になります。成分表をいただけると嬉しいです。",
            "mina.beauty@example.jp",
        ),
        # Her manager is informed; she handles this one herself, at this address.
        (
            "マネージャーにも一応共有していますが、この件は私が直接やりとりしますので、\n"
            "このアドレスにご返信ください。\n\nPR、ぜひお受けしたいです！",
            "mina.beauty@example.jp",
        ),
        # Her manager copied only to share: the talks stay with her.
        (
            "ccにマネージャーを入れておりますが、共有のためだけですので、やり取りは引き続き私とお願いします。\n"
            "ぜひ前向きに進めさせてください。",
            "mina.beauty@example.jp",
        ),
        # Her manager copied only to watch her calendar; she negotiates her own deals.
        (
            "I've cc'd my manager, Dev (dev@parkline.example.com), only so he can keep an eye on my "
            "calendar - no need to go through him, I negotiate my own deals. I'm happy to move "
            "forward. Please send the contract.",
            "milo@example.com",
        ),
        # Her manager copied; the talks stay addressed to her.
        (
            "前向きに検討させていただきたいです。\nマネージャーをCCに入れておりますが、やり取りは引き続き"
            "私宛で大丈夫です。",
            "mina.beauty@example.jp",
        ),
        (
            "マネージャーにもCC入れてますが、お返事はわたしに直接で大丈夫です！\nやらせていただきたいです〜",
            "mina.beauty@example.jp",
        ),
        (
            "スケジュール管理のためマネージャーをCCに入れておりますが、このままこちらでやり取りさせて"
            "いただければと思います。\nナイトセラム、ぜひお受けしたいです。",
            "mina.beauty@example.jp",
        ),
        (
            "Count me in! I've cc'd my manager Alex just so he can keep an eye on the contract side "
            "of things, but you can keep working with me directly on everything else.",
            "milo@example.com",
        ),
        (
            "私は事務所にもマネージャーにも所属していないので、このアドレスに直接ご連絡いただければ大丈夫です◎\n"
            "桜ナイトセラム、ぜひ使ってみたいです。",
            "mina.beauty@example.jp",
        ),
        (
            "マネージャーにもCCで共有していますが、返事は私からします。\nぜひやりたいです！",
            "mina.beauty@example.jp",
        ),
        (
            "hi hana!! my manager usually handles this stuff but shes on leave so just talk to me. yes im interested!! can u send product info and what u need from me",
            "dani.m@example.com",
        ),
        (
            "My manager would kill me for replying directly haha, but I'm genuinely excited about this one.\n\nCan you send the brief here? I'll loop her in myself later.",
            "gabi.rossi@example.com",
        ),
        (
            "Thanks for thinking of me! Gifted works, I'd post on IG stories and maybe TikTok if I love it.\n\nSienna\n\nP.S. I'm signed with Bloom Agency, but they only handle my paid campaigns. Gifting I sort out myself, so just reply here.",
            "sienna.m@example.com",
        ),
        (
            "Quick heads up, my agency only handles my fashion deals, not skincare, so you can talk to me directly on this one.\n\nI'd be happy to do a gifted post plus a paid reel. What's the timeline?",
            "priya.nair@example.com",
        ),
        (
            "事務所の決まりでフィード投稿の美容案件はNGになっているのですが、\nストーリーズのみでよければぜひお受けしたいです。\n事務所にはこちらから報告しておきますので、このまま私宛にご連絡ください。",
            "nene.cosme@example.jp",
        ),
        (
            "I'm represented by an agency for TV work but I handle social collabs myself, so you're in the right place 🙂\n\nWould you consider sending two bottles? One for me and one for a giveaway.",
            "leo.martins@example.pt",
        ),
        (
            "We're with an agency for music stuff, but they don't touch our beauty/lifestyle side, so\nyou can deal with us directly. We're keen. Can you do a gifted bottle for each of us first?",
            "hello@quietcornerstudio.example.com",
        ),
        (
            "Two Lamps is three of us and we answer from one inbox. Mina and I want to do it, Oscar is neutral.\nThat's a yes.\n\nCan you send one bottle to each of us?\n\nBel, on behalf of Two Lamps",
            "studio@twolampsonline.example.com",
        ),
        (
            "マネージャーにも後で共有はしますが、まずは私の方で内容を確認したいので、\nこのまま私宛に詳細を送っていただけますか？",
            "kurumi.n@example.jp",
        ),
        (
            "Hi Hana! My agency only handles my fashion deals - skincare I book myself, so you're in the right place. Would love to hear more. Is this Instagram only or TikTok too?",
            "gabi.style@example.com",
        ),
        (
            "一応事務所に確認を取る必要があるのですが、私の方から話しておきますので、\n桜井さんはこのまま私宛にご連絡いただければ大丈夫です。",
            "koharu.beauty@example.jp",
        ),
        (
            "My agency's name is on my profile, but no need to go through them - I handle skincare partnerships directly. Happy to hear more! Could you share the brief?",
            "grace.t@example.com",
        ),
        (
            "My agency doesn't handle gifted stuff, so you can deal with me directly. What's the budget?",
            "kit.marlowe@example.com",
        ),
        (
            "よく「事務所を通してください」と返す方もいるみたいですが、私はフリーなので直接で大丈夫です🙆\u200d♀️\n\nTikTokでの投稿を想定されていますか？\nサンプルをお送りいただけるならまず使ってみたいです。",
            "riko.tiktok@example.jp",
        ),
        (
            "念のためマネージャーにも確認したのですが、この件は私の方で直接進めてOKとのことでした。\nなので、このメールで引き続きやり取りさせてください。\n\n希望の投稿日などあれば教えてください〜",
            "nao.makeup@example.jp",
        ),
        (
            "My management company handles all my contracts, so I'll loop them in once we agree on the basics - but I wanted to reply myself first.\n\nIf yours is non-comedogenic I'd love to try it. What's the timeline?",
            "nina.b@example.com",
        ),
        (
            "Just so you know, my agency only handles my TV stuff, not social -- so you can talk to me\ndirectly about this. I'm keen. Is there a brief yet?",
            "hiro.matsuda@example.ca",
        ),
        (
            "Quick heads up: my agency only handles my YouTube integrations, so for an Instagram post you can work with me directly, no need to go through them.\n\nMy rate for one Reel plus two stories is $900.",
            "harper.lee.vlogs@example.com",
        ),
        (
            "I'm signed with an agency for fashion and beauty campaigns, but my contract lets me do skincare on my own, so you can deal with me directly on this one.\n\nCould you send over rates and usage terms?",
            "kezia.brown@example.com",
        ),
        (
            "You don't need to go through my manager for this one — she's said I can handle small skincare deals myself. So: yes please!",
            "mia.santos@example.com",
        ),
        # Her own former address named as no longer used, and this one for the rest of the thread.
        (
            "以前お伝えしていた旧アドレス（sumire.oda@example.ne.jp）はもう使っていないので、そちらには送らないでください。お話自体はぜひ進めたいです！今後はこのアドレスでやりとりさせてください。",
            "sumire.oda@example.jp",
        ),
        # An old address she no longer reads, named as where not to write: the thread stays with her.
        (
            "ひとつお願いなのですが、以前使っていた momo_old@example.com にはもう送らないでください（現在は見ていません）。今後はこのアドレスで大丈夫です。\n\n本題ですが、ぜひ参加させていただきたいです！サンプルを12月20日頃までにお送りいただくことは可能でしょうか？",
            "momo.lab@example.jp",
        ),
    ],
)
def test_a_writer_who_is_her_own_manager_and_says_yes_is_interested(text: str, sender: str) -> None:
    """ "Keep writing to me" from a talent who manages herself continues the thread with her;
    an agency's address for other work in her signature is not where to write."""
    found = read_reply(text, sender=sender)
    assert (found.intent, found.referred_to) == ("interested", "")


def test_an_agency_taking_over_from_the_talent_is_a_referral_and_its_stop_for_her_is_not() -> None:
    takes_over = (
        "弊社所属クリエイター「ゆめ」へのご依頼、誠にありがとうございます。\n本人への直接のご連絡は"
        "ご遠慮いただいており、本件は弊社にて窓口を務めさせていただきます。"
    )
    found = read_reply(takes_over, sender="info@hoshizora.example.jp")
    assert (found.intent, found.referred_to) == ("referral", "info@hoshizora.example.jp")
    stops = (
        "麗奈本人のメール整理を担当しているアシスタントの中山と申します。\n本人に確認いたしましたところ、"
        "企業様からのこの種のご案内は今後お受けしないとのことでしたので、送信リストから本アドレスを"
        "削除していただけますでしょうか。"
    )
    assert read_reply(stops, sender="assist.rena@example.jp").intent == "opt_out"


def test_a_letter_headed_as_a_memo_is_the_senders_own_text() -> None:
    """ "To:/From:/Date:/Subject:" at the very top, addressee first, heads the sender's letter;
    Outlook's header of a pasted message starts with From: and is cut as before."""
    letter = (
        "To: Hanami Labs (hana@hanamilabs.jp)\nFrom: Lotte Verhoeven\nDate: 17 December 2026\n"
        "Subject: Objection to direct marketing\n\nDear Sir or Madam,\n\nI hereby object to the "
        "processing of my personal data for direct marketing purposes.\n\nYours faithfully,\n"
        "L. Verhoeven"
    )
    assert "I hereby object" in own_text(letter)
    assert read_reply(own_text(letter), sender="l.verhoeven@example.net").intent == "opt_out"
    pasted = (
        "Yes please!\n\nFrom: Hana Sakurai <hana@hanamilabs.jp>\nSent: Tuesday, December 1, 2026\n"
        "To: Milo\nSubject: Sakura Night Serum\n\nPlease stop me if this is not for you."
    )
    assert own_text(pasted) == "Yes please!"
