"""Each pitch rule fires on a bad example and stays quiet on a good one, in Japanese and
English, on hand-built Drafts (no rendering); config severities and thresholds are honoured."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from outreach.config import LintRuleConfig, parse_config
from outreach.domain.influencer import Influencer, Post
from outreach.errors import ConfigError
from outreach.services.lint import Draft, LintFinding, check_drafts, has_errors
from outreach.services.lint.rules.value_first import is_sender_centric, opening_sentence

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
TITLE = {"ja": "乾燥肌のための夜の10分ケア", "en": "My 5-step winter night routine"}
PEOPLE = {
    "ja": Influencer(
        id=1,
        name="山田 花子",
        email="hanako@example.jp",
        platform="instagram",
        handle="hanako_skin",
        niche="スキンケア",
        language="ja",
    ),
    "en": Influencer(
        id=2,
        name="Emma Clarke",
        email="emma@example.com",
        platform="instagram",
        handle="emmaglows",
        niche="skincare",
        language="en",
    ),
}
SENDER = {
    "ja": {
        "name": "PR担当 佐藤",
        "organisation": "株式会社さくらビューティー",
        "postal_address": "〒150-0001 東京都渋谷区神宮前1-2-3",
        "enquiry_email": "pr@sakura-beauty.example.jp",
    },
    "en": {
        "name": "Sakura Beauty PR team",
        "organisation": "Sakura Beauty Co., Ltd.",
        "postal_address": "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001, Japan",
        "enquiry_email": "pr@sakura-beauty.example.jp",
    },
}
UNSUBSCRIBE = "https://sakura-beauty.example.jp/unsubscribe?t=xyz"
SUBJECT = {
    "ja": "ご投稿を拝見しました：Sakura Night Serumのご相談",
    "en": "Paid collab idea for @emmaglows",
}

BODY_JA = """山田 花子 様

ご投稿「乾燥肌のための夜の10分ケア」を
拝見し、ご連絡いたしました。
株式会社さくらビューティーのPR担当 佐藤と申します。

スキンケアの丁寧な発信に惹かれ、新作のSakura Night Serumを
ご自身の言葉でご紹介いただけないでしょうか。

・内容：Instagramフィード投稿1件
・謝礼：¥30,000＋商品（¥8,800相当）
・投稿期限：12月22日(火)まで
構成や表現はお任せします（「PR」表記のみお願いします）。

ご興味があれば、12月11日(金)までにご返信ください。
詳細：https://sakura-beauty.example.jp/night-serum?utm_content=abc

どうぞよろしくお願いいたします。
FOOTER"""
FOOTER_JA = """━━━━━━━━━━━━━━━━━━━━
株式会社さくらビューティー
PR担当 佐藤
〒150-0001 東京都渋谷区神宮前1-2-3
お問い合わせ：pr@sakura-beauty.example.jp

今後このようなご案内が不要でしたら、
お手数ですが下記から配信停止をお申し付けください。
配信停止：https://sakura-beauty.example.jp/unsubscribe?t=xyz
"""
BODY_EN = """Hi Emma Clarke,

Your post "My 5-step winter night routine" caught my eye, and I think Sakura Night Serum would suit your skincare followers.

We'd pay ¥30,000 plus a full-size serum for one Instagram feed post, posted by Tue 22 Dec. What you say and how you say it is entirely up to you; we only ask that you mark it as an ad.

If you're interested, could you reply by Fri 11 Dec? Product details: https://sakura-beauty.example.jp/night-serum?utm_content=abc

Best,
FOOTER"""
FOOTER_EN = """--
Sakura Beauty PR team, Sakura Beauty Co., Ltd.
1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001, Japan
Questions: pr@sakura-beauty.example.jp

If you would rather not hear from us again, you can opt out at any time:
https://sakura-beauty.example.jp/unsubscribe?t=xyz (or simply reply "unsubscribe").
"""
BODY = {"ja": BODY_JA, "en": BODY_EN}
FOOTER = {"ja": FOOTER_JA, "en": FOOTER_EN}
LANGS = ("ja", "en")


def make(
    lang: str,
    body: str | None = None,
    *,
    footer: str | None = None,
    subject: str | None = None,
    step: int = 1,
    posted_days_ago: int | None = 5,
    template: str | None = None,
    **changes: object,
) -> Draft:
    """A draft as rendering would produce it; the source is the body with the post title as
    `{{ post.label }}` and the footer as an include, after a three-line front matter."""
    text = body if body is not None else BODY[lang]
    rendered = text.replace("FOOTER", footer if footer is not None else FOOTER[lang])
    source_body = text.replace(TITLE[lang], "{{ post.label }}").replace(
        "FOOTER", f'{{% include "_footer.{lang}.j2" %}}'
    )
    source = f'---\nsubject = "x"\nlanguage = "{lang}"\n---\n{source_body}'
    posts = (
        ()
        if posted_days_ago is None
        else (
            Post(
                url="https://www.instagram.com/p/x1/",
                platform="instagram",
                title=TITLE[lang],
                published_at=NOW - timedelta(days=posted_days_ago),
            ),
        )
    )
    draft = Draft(
        template_name=template or f"templates/pitch.{lang}.j2",
        source_text=source,
        subject=subject if subject is not None else SUBJECT[lang],
        body_text=rendered,
        language=lang,
        influencer=PEOPLE[lang],
        posts=posts,
        step=step,
        subject_line=2,
        sender=SENDER[lang],
        opt_out=(UNSUBSCRIBE,),
        now=NOW,
    )
    return replace(draft, **changes) if changes else draft


def fired(*drafts: Draft, **config: LintRuleConfig) -> list[LintFinding]:
    return check_drafts(list(drafts), config)


def rules_of(findings: list[LintFinding]) -> set[str]:
    return {f.rule for f in findings}


@pytest.mark.parametrize("lang", LANGS)
def test_the_good_pitch_has_no_findings(lang: str) -> None:
    assert fired(make(lang)) == []


# --- length -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_length_fires_on_a_long_body_and_names_the_count(lang: str) -> None:
    filler = (
        "スキンケアは毎日の積み重ねが大切だと考えております。" * 6
        if lang == "ja"
        else "We believe skincare is a daily habit that rewards patience. " * 6
    )
    draft = make(
        lang,
        BODY[lang]
        .replace("\n\nBest,", f"\n{filler}\n\nBest,")
        .replace("\n\nどうぞ", f"\n{filler}\n\nどうぞ"),
    )
    found = [f for f in fired(draft) if f.rule == "length"]
    assert len(found) == 1 and found[0].severity == "warning" and found[0].line == 5
    assert ("max 250" if lang == "ja" else "max 100") in found[0].message


@pytest.mark.parametrize("lang", LANGS)
def test_length_fires_on_a_long_subject_at_the_subject_line(lang: str) -> None:
    subject = (
        "新作美容液のご紹介と、インスタグラムでのご投稿のご相談について"
        if lang == "ja"
        else "A quick question about a paid collaboration on your Instagram feed"
    )
    found = [f for f in fired(make(lang, subject=subject)) if f.rule == "length"]
    assert [f.line for f in found] == [2]
    assert "subject" in found[0].message


# --- post-specific, offer, personalisation -----------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_post_specific_fires_when_no_post_is_named(lang: str) -> None:
    body = BODY[lang].replace(TITLE[lang], "最近の投稿" if lang == "ja" else "recent content")
    found = [f for f in fired(make(lang, body)) if f.rule == "post-specific"]
    assert len(found) == 1 and "@" + PEOPLE[lang].handle in found[0].message


@pytest.mark.parametrize("lang", LANGS)
def test_post_specific_ignores_follow_ups(lang: str) -> None:
    body = BODY[lang].replace(TITLE[lang], "最近の投稿" if lang == "ja" else "recent content")
    assert "post-specific" not in rules_of(fired(make(lang, body, step=2)))


@pytest.mark.parametrize(
    ("lang", "old", "new", "missing"),
    [
        ("ja", "・謝礼：¥30,000＋商品（¥8,800相当）\n", "", "paid or rewarded"),
        ("en", "We'd pay ¥30,000 plus a full-size serum for", "We'd love", "paid or rewarded"),
        ("ja", "12月22日(火)まで", "いつでも", "date"),
        ("en", "posted by Tue 22 Dec", "whenever suits", "date"),
    ],
)
def test_offer_fires_without_payment_or_date(lang: str, old: str, new: str, missing: str) -> None:
    body = BODY[lang].replace(old, new)
    if missing == "date":
        body = body.replace("12月11日(金)までに", "").replace(" by Fri 11 Dec", "")
    found = [f for f in fired(make(lang, body)) if f.rule == "offer"]
    assert len(found) == 1 and missing in found[0].message


@pytest.mark.parametrize("lang", LANGS)
def test_personalisation_fires_when_only_the_name_is_a_variable(lang: str) -> None:
    draft = make(lang)
    source = draft.source_text.replace("{{ post.label }}", "a post")
    source = source.replace(PEOPLE[lang].name, "{{ influencer | honorific }}")
    found = [f for f in fired(replace(draft, source_text=source)) if f.rule == "personalisation"]
    assert len(found) == 1 and found[0].line == 5


# --- value-first --------------------------------------------------------------------------

SENDER_CENTRIC = {
    "ja": [
        "弊社は東京のスキンケアブランドで、自然派の美容液を開発しております。",
        "株式会社さくらビューティーのPR担当、佐藤と申します。",
        "はじめまして、株式会社さくらビューティーの佐藤です。",
        "私たちは創業50年の化粧品メーカーです。",
        "当社の新商品について、ご案内させていただきたくご連絡しました。",
        "株式会社さくらビューティーの広報、佐藤です。",
    ],
    "en": [
        "We are Sakura Beauty, a Tokyo skincare brand making clean night serums.",
        "I'm reaching out on behalf of Sakura Beauty, a skincare brand from Tokyo.",
        "Our company has just launched a new night serum.",
        "My name is Yui and I work at Sakura Beauty.",
        "I'm Yui from Sakura Beauty, and we'd love your help with a launch.",
    ],
}
RECIPIENT_CENTRIC = {
    "ja": [
        "ご投稿「乾燥肌のための夜の10分ケア」を拝見し、ご連絡いたしました。",
        "山田様の丁寧なレビュー動画をいつも拝見しております。",
        "あなたのフォロワーの皆さまにぴったりの新作をご紹介させてください。",
        "突然のご連絡失礼いたします。花子様の投稿を拝見し、ぜひご相談したくご連絡しました。",
    ],
    "en": [
        'Your post "My 5-step winter night routine" caught my eye.',
        "You clearly know what your followers want from a night routine.",
        "Emma Clarke, your winter routine post is the best I've seen this year.",
        "I loved your post on winter skin, and our new serum fits it perfectly.",
    ],
}


@pytest.mark.parametrize("lang", LANGS)
def test_value_first_classifies_real_openers(lang: str) -> None:
    draft = make(lang)
    for opener in SENDER_CENTRIC[lang]:
        assert is_sender_centric(draft, opener), opener
    for opener in RECIPIENT_CENTRIC[lang]:
        sentence = opening_sentence(f"{PEOPLE[lang].name} 様\n\n{opener}")
        assert not is_sender_centric(draft, sentence), opener


@pytest.mark.parametrize("lang", LANGS)
def test_value_first_skips_the_greeting_and_courtesy_openers(lang: str) -> None:
    greeting = "山田 花子 様" if lang == "ja" else "Hi Emma,"
    opener = (
        "お世話になっております。弊社は化粧品メーカーです。" if lang == "ja" else "We are a brand."
    )
    assert opening_sentence(f"{greeting}\n\n{opener}\nmore") == (
        "弊社は化粧品メーカーです。" if lang == "ja" else "We are a brand."
    )


@pytest.mark.parametrize("lang", LANGS)
def test_value_first_fires_on_a_sender_centric_pitch_at_its_line(lang: str) -> None:
    if lang == "ja":
        body = BODY_JA.replace(
            "ご投稿「乾燥肌のための夜の10分ケア」を\n拝見し、ご連絡いたしました。\n",
            "弊社は東京のスキンケアブランドです。\nご投稿「乾燥肌のための夜の10分ケア」を拝見しました。\n",
        )
    else:
        body = BODY_EN.replace(
            "Your post", "We are Sakura Beauty, a Tokyo skincare brand. Your post"
        )
    found = [f for f in fired(make(lang, body)) if f.rule == "value-first"]
    assert len(found) == 1 and found[0].line == 7 and found[0].severity == "warning"


# --- compliance ---------------------------------------------------------------------------

COMPLIANCE_CUTS = {
    "ja": {
        "the sender's name": ("株式会社さくらビューティー\nPR担当 佐藤\n", ""),
        "postal address": ("〒150-0001 東京都渋谷区神宮前1-2-3\n", ""),
        "opt-out method": ("配信停止：https://sakura-beauty.example.jp/unsubscribe?t=xyz\n", ""),
        "can refuse": (
            "今後このようなご案内が不要でしたら、\nお手数ですが下記から配信停止をお申し付けください。\n",
            "",
        ),
        "enquiry contact": ("お問い合わせ：pr@sakura-beauty.example.jp\n", ""),
    },
    "en": {
        "the sender's name": ("Sakura Beauty PR team, Sakura Beauty Co., Ltd.\n", ""),
        "postal address": ("1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001, Japan\n", ""),
        "opt-out method": ("https://sakura-beauty.example.jp/unsubscribe?t=xyz ", ""),
        "can refuse": (
            "If you would rather not hear from us again, you can opt out at any time:\n",
            "",
        ),
        "enquiry contact": ("Questions: pr@sakura-beauty.example.jp\n", ""),
    },
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("item", list(COMPLIANCE_CUTS["ja"]))
def test_compliance_names_each_missing_item(lang: str, item: str) -> None:
    old, new = COMPLIANCE_CUTS[lang][item]
    assert old in FOOTER[lang]
    draft = make(lang, footer=FOOTER[lang].replace(old, new))
    if item == "the sender's name":  # the 名乗り names the sender too: take it out as well
        draft = replace(
            draft,
            body_text=draft.body_text.replace(
                "株式会社さくらビューティーのPR担当 佐藤と申します。\n", ""
            ),
        )
    found = [f for f in fired(draft) if f.rule == "compliance"]
    assert len(found) == 1, found
    assert item in found[0].message and found[0].severity == "error"
    assert (
        found[0].line
        == draft.source_text.split("\n").index(f'{{% include "_footer.{lang}.j2" %}}') + 1
    )


def test_compliance_wants_the_recipients_language() -> None:
    footer = FOOTER_JA.replace(
        "今後このようなご案内が不要でしたら、\nお手数ですが下記から配信停止をお申し付けください。\n",
        "If you would rather not hear from us again, you can opt out at any time.\n",
    )
    footer = footer.replace("お問い合わせ：", "Questions: ")
    messages = [f.message for f in fired(make("ja", footer=footer)) if f.rule == "compliance"]
    assert len(messages) == 2 and all("in Japanese" in m for m in messages)


# --- deliverability -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_deliverability_counts_links_and_spots_shorteners(lang: str) -> None:
    body = BODY[lang].replace("utm_content=abc", "utm_content=abc https://bit.ly/3xYz")
    messages = [f.message for f in fired(make(lang, body)) if f.rule == "deliverability"]
    assert "3 links (max 2)" in messages and "URL shortener bit.ly" in messages


@pytest.mark.parametrize(("lang", "phrase"), [("ja", "完全無料"), ("en", "act now")])
def test_deliverability_spots_spam_phrases(lang: str, phrase: str) -> None:
    body = (
        BODY[lang]
        .replace("\n\nBest,", f" {phrase}!\n\nBest,")
        .replace("\n\nどうぞ", f"\n{phrase}です。\n\nどうぞ")
    )
    found = [f for f in fired(make(lang, body)) if f.rule == "deliverability"]
    assert [f.message for f in found] == [f"spam-trigger phrase {phrase!r}"]


def test_deliverability_spots_an_all_caps_subject_and_attachments() -> None:
    draft = make("en", subject="PAID COLLAB FOR YOU", attachments=("brief.pdf",))
    messages = {f.message for f in fired(draft) if f.rule == "deliverability"}
    assert messages == {"the subject is all capitals", "attachment 'brief.pdf'"}


def test_deliverability_extra_phrases_come_from_config() -> None:
    extra = {"deliverability": LintRuleConfig(extra_phrases=("ご相談",))}
    assert "deliverability" in rules_of(fired(make("ja"), **extra))


# --- ad-script ----------------------------------------------------------------------------

SCRIPTS = {
    "ja": [
        "投稿では必ず「毛穴が消える」と言及してください。",
        "キャプションは以下の文言をそのままお使いください。",
        "動画では以下の台本に沿ってお話しください。",
    ],
    "en": [
        "You must mention that it is already clinically proven.",
        "Please read the following script word for word.",
        "Caption: My nights changed with Sakura Night Serum.",
        "Please use the following caption: #ad My nights changed with this serum.",
    ],
}


@pytest.mark.parametrize("lang", LANGS)
def test_ad_script_fires_on_dictated_posts(lang: str) -> None:
    for script in SCRIPTS[lang]:
        body = (
            BODY[lang]
            .replace("\n\nBest,", f"\n{script}\n\nBest,")
            .replace("\n\nどうぞ", f"\n{script}\n\nどうぞ")
        )
        found = [f for f in fired(make(lang, body)) if f.rule == "ad-script"]
        assert found and all(f.severity == "error" for f in found), script


LABEL_REQUESTS = {
    "ja": [
        "ハッシュタグ #さくら美肌 を付けてください。",
        "投稿には必ず #PR と #さくら美肌 を付けてください。",
        "@sakura_beauty のタグ付けをお願いします。",
    ],
    "en": [
        "Please use the hashtag #SakuraGlow.",
        "You must tag @sakurabeauty and add #ad.",
        "Please include our campaign hashtag #SakuraGlow alongside #ad.",
        "You must include #SakuraGlow in the caption.",
    ],
}


@pytest.mark.parametrize("lang", LANGS)
def test_ad_script_allows_hashtag_and_tag_requests(lang: str) -> None:
    for request in LABEL_REQUESTS[lang]:
        body = (
            BODY[lang]
            .replace("\n\nBest,", f"\n{request}\n\nBest,")
            .replace("\n\nどうぞ", f"\n{request}\n\nどうぞ")
        )
        assert "ad-script" not in rules_of(fired(make(lang, body))), request


@pytest.mark.parametrize("lang", LANGS)
def test_ad_script_allows_disclosure_and_their_own_hashtags(lang: str) -> None:
    note = "投稿には #PR の表記をお願いします。" if lang == "ja" else "Please add #ad to the post."
    body = (
        BODY[lang]
        .replace("\n\nBest,", f"\n{note}\n\nBest,")
        .replace("\n\nどうぞ", f"\n{note}\n\nどうぞ")
    )
    tagged = replace(
        make(lang, body),
        posts=(
            Post(
                url="https://x.example/p",
                platform="tiktok",
                caption=f"{TITLE[lang]} #winter",
                published_at=NOW,
            ),
        ),
    )
    tagged = replace(
        tagged, body_text=tagged.body_text.replace(TITLE[lang], f"{TITLE[lang]} #winter")
    )
    assert "ad-script" not in rules_of(fired(tagged))


# --- stale-post ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_stale_post_warns_on_an_old_post_and_names_the_influencer(lang: str) -> None:
    found = [f for f in fired(make(lang, posted_days_ago=90)) if f.rule == "stale-post"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert f"@{PEOPLE[lang].handle}" in found[0].message and "90 days" in found[0].message
    assert "stale-post" not in rules_of(fired(make(lang, posted_days_ago=59)))


@pytest.mark.parametrize("lang", LANGS)
def test_stale_post_warns_when_the_influencer_has_no_post(lang: str) -> None:
    found = [f for f in fired(make(lang, posted_days_ago=None)) if f.rule == "stale-post"]
    assert len(found) == 1 and "no post" in found[0].message


# --- ja-business --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("山田 花子 様", "山田 花子", "宛名 without 様"),
        ("山田 花子 様", "山田部長様", "double honorific"),
        ("株式会社さくらビューティーのPR担当 佐藤と申します。\n", "", "no 名乗り"),
        ("どうぞよろしくお願いいたします。\n", "", "no 結び"),
        (
            "ご興味があれば、12月11日(金)までにご返信ください。",
            "ご興味がございましたら、お手数ですが12月11日(金)までにこのメールへご返信いただけますと幸いです。",
            "full-width characters (max 38)",
        ),
    ],
)
def test_ja_business_fires_on_each_lapse(old: str, new: str, expected: str) -> None:
    found = [f for f in fired(make("ja", BODY_JA.replace(old, new))) if f.rule == "ja-business"]
    assert any(expected in f.message for f in found), found


def test_ja_business_wants_a_signature() -> None:
    footer = FOOTER_JA.replace("株式会社さくらビューティー\nPR担当 佐藤\n", "")
    draft = make(
        "ja",
        BODY_JA.replace("株式会社さくらビューティーのPR担当 佐藤と申します。", "佐藤と申します。"),
        footer=footer,
    )
    assert any("署名" in f.message for f in fired(draft) if f.rule == "ja-business")


def test_ja_business_leaves_english_alone() -> None:
    assert fired(make("en", BODY_EN.replace("Hi Emma Clarke,", "Hi Emma,"))) == []


# --- tone ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_tone_fires_when_a_follow_up_repeats_the_pitch(lang: str) -> None:
    pitch = make(lang)
    repeated = (
        "スキンケアの丁寧な発信に惹かれ、新作のSakura Night Serumを\nご自身の言葉でご紹介いただけないでしょうか。"
        if lang == "ja"
        else "What you say and how you say it is entirely up to you; we only ask that you mark it as an ad."
    )
    follow = make(
        lang,
        f"{'山田 花子 様' if lang == 'ja' else 'Hi Emma,'}\n\n{repeated}\nFOOTER",
        step=2,
        template=f"templates/followup1.{lang}.j2",
    )
    found = [f for f in fired(pitch, follow) if f.rule == "tone"]
    assert len(found) == 1 and found[0].template == f"templates/followup1.{lang}.j2"
    assert found[0].line == 7 and f"templates/pitch.{lang}.j2" in found[0].message


@pytest.mark.parametrize("lang", LANGS)
def test_tone_allows_short_shared_phrases_and_the_footer(lang: str) -> None:
    closing = "どうぞよろしくお願いいたします。" if lang == "ja" else "Best,"
    follow = make(
        lang,
        f"{'山田 花子 様' if lang == 'ja' else 'Hi Emma,'}\n\nA new note.\n{closing}\nFOOTER",
        step=2,
        template=f"templates/followup1.{lang}.j2",
    )
    assert "tone" not in rules_of(fired(make(lang), follow))


# --- configuration ------------------------------------------------------------------------


def test_severity_off_warning_error_from_config() -> None:
    old = make("en", posted_days_ago=90)
    assert "stale-post" not in rules_of(
        fired(old, **{"stale-post": LintRuleConfig(severity="off")})
    )
    errors = fired(old, **{"stale-post": LintRuleConfig(severity="error")})
    assert [f.severity for f in errors if f.rule == "stale-post"] == ["error"] and has_errors(
        errors
    )
    assert not has_errors(fired(old))


@pytest.mark.parametrize(
    ("lang", "rule", "setting"),
    [
        ("en", "length", LintRuleConfig(max_words=30)),
        ("ja", "length", LintRuleConfig(max_chars_ja=100)),
        ("en", "length", LintRuleConfig(max_subject=10)),
        ("ja", "length", LintRuleConfig(max_subject_ja=10)),
        ("en", "deliverability", LintRuleConfig(max_links=1)),
        ("ja", "stale-post", LintRuleConfig(max_age_days=2)),
        ("ja", "ja-business", LintRuleConfig(line_width=20)),
        ("ja", "ja-business", LintRuleConfig(intro_lines=2)),
    ],
)
def test_thresholds_from_config(lang: str, rule: str, setting: LintRuleConfig) -> None:
    assert rule not in rules_of(fired(make(lang)))
    assert rule in rules_of(fired(make(lang), **{rule: setting}))


def test_tone_threshold_from_config() -> None:
    follow = make(
        "en",
        "Hi Emma,\n\nWhat you say and how you say it is yours.\nFOOTER",
        step=2,
        template="templates/followup1.en.j2",
    )
    assert "tone" not in rules_of(fired(make("en"), follow))
    assert "tone" in rules_of(fired(make("en"), follow, tone=LintRuleConfig(min_shared_chars=20)))


def test_config_toml_lint_sections_are_read_and_checked(tmp_path: object) -> None:
    base = {
        "sender": SENDER["en"],
        "mailboxes": {
            "main": {
                "from_address": "pr@example.jp",
                "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"},
            }
        },
    }
    config = parse_config(
        {**base, "lint": {"length": {"severity": "error", "max_words": 10}}},
        source="config.toml",
        base_dir=tmp_path,
    )  # type: ignore[arg-type]
    found = check_drafts([make("en")], config.lint)
    assert [(f.rule, f.severity) for f in found] == [("length", "error")]
    with pytest.raises(ConfigError, match="unknown lint rule"):
        check_drafts([make("en")], {"lenght": LintRuleConfig()})
    with pytest.raises(ConfigError, match="has no setting"):
        check_drafts([make("en")], {"tone": LintRuleConfig(max_words=3)})


def test_finding_prints_as_template_line_rule_severity_message_hint() -> None:
    f = LintFinding(
        "templates/pitch.ja.j2", 7, "value-first", "warning", "opens on the sender", "open on them"
    )
    assert (
        str(f) == "templates/pitch.ja.j2:7: value-first warning: opens on the sender (open on them)"
    )


# --- false alarms that real pitches would raise -------------------------------------------


def test_value_first_looks_past_pleasantries() -> None:
    assert opening_sentence("Hi Emma,\n\nHope you're well! I'm Yui from Sakura Beauty.") == (
        "I'm Yui from Sakura Beauty."
    )
    assert opening_sentence("山田 花子 様\n\nはじめまして。\n株式会社さくらの佐藤です。") == (
        "株式会社さくらの佐藤です。"
    )


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("ja", "100万再生おめでとうございます。"),
        ("ja", "原稿料として¥30,000をお支払いします。"),
        ("en", "Congratulations on reaching 10K followers!"),
        ("en", "We'd love to read what you think, in your own words."),
    ],
)
def test_compliments_and_fees_are_not_spam_or_scripts(lang: str, line: str) -> None:
    body = (
        BODY[lang]
        .replace("\n\nBest,", f"\n{line}\n\nBest,")
        .replace("\n\nどうぞ", f"\n{line}\n\nどうぞ")
    )
    assert fired(make(lang, body)) == []


def test_ja_business_accepts_a_nanori_without_company_suffix() -> None:
    body = BODY_JA.replace(
        "株式会社さくらビューティーのPR担当 佐藤と申します。",
        "さくらビューティーPR担当の佐藤です。",
    )
    assert "ja-business" not in rules_of(fired(make("ja", body)))


def test_every_rule_and_setting_is_documented_in_config_example() -> None:
    from pathlib import Path

    from outreach.services.lint import RULES

    assert sorted(RULES) == sorted(
        [
            "length",
            "post-specific",
            "value-first",
            "offer",
            "personalisation",
            "compliance",
            "deliverability",
            "ad-script",
            "stale-post",
            "ja-business",
            "tone",
            "placeholder",
            "followup-subject",
            "mixed-script",
        ]
    )
    example = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text("utf-8")
    for rule_id, r in RULES.items():
        assert f"[lint.{rule_id}]" in example, rule_id
        assert f"({r.severity})" in example, rule_id
        for key in r.defaults:
            assert f"{key} = " in example, (rule_id, key)
        assert set(r.defaults) <= set(LintRuleConfig.model_fields), rule_id
