"""Message bytes: parse back with the email package to the same headers and text."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outreach.errors import RenderError
from outreach.render.compose import Composer, Thread, compose_message
from outreach.render.message import (
    HeaderValueError,
    MessageDraft,
    build,
    new_message_id,
    single_line,
)
from tests.support.render import NOW, make_campaign, make_config, make_influencer, write_templates

LONG_SUBJECT = (
    "【ご提案】春の新作美容液「サクラナイトセラム」のご紹介とInstagram投稿のお願い／株式会社さくらビューティー 広報部より"
    * 2
)
LONG_NAME = "株式会社サンプルホールディングス 広報部 マーケティング課 山田太郎"


def draft(**kw: object) -> MessageDraft:
    fields: dict[str, object] = dict(
        from_name="さくらビューティー PR 佐藤",
        from_address="pr@sakura.example.jp",
        to_name="山田 花子 様",
        to_address="hanako@example.com",
        subject="冬のスキンケアを拝見しました",
        text="山田 花子 様\n\nはじめまして。\n",
        date=NOW,
        message_id=new_message_id("sakura.example.jp"),
    )
    fields.update(kw)
    return MessageDraft(**fields)  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def display_name(raw: bytes, header: str) -> str:
    """Legacy decoder: policy.default inserts a space into long names (CPython gh-128110)."""
    legacy = BytesParser(policy=policy.compat32).parsebytes(raw)
    if "=?" not in legacy[header]:
        return str(parse(raw)[header].addresses[0].display_name)
    value = str(make_header(decode_header(legacy[header])))
    return value.rsplit(" <", 1)[0]


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def assert_wire_clean(raw: bytes) -> None:
    raw.decode("ascii")  # 7-bit clean
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for line in head.split("\r\n"):
        assert len(line) <= 78 or len(line.split()) <= 2, line  # only an unbreakable URI is longer
    for word in re.findall(r"=\?[^?]+\?[bB]\?[^?]*\?=", head):
        assert len(word) <= 75
        charset, payload = word[2:-2].split("?b?")
        base64.b64decode(payload).decode(charset.replace("iso-2022-jp", "iso2022_jp"))
    assert "?==?" not in head


def test_round_trip_headers_and_text() -> None:
    d = draft(
        reply_to="reply@sakura.example.jp",
        unsubscribe_url="https://sakura.example.jp/u?t=abc",
        unsubscribe_mailto="mailto:unsub@sakura.example.jp?subject=unsubscribe",
        in_reply_to="<b@sakura.example.jp>",
        references=("<a@sakura.example.jp>", "<b@sakura.example.jp>"),
    )
    raw = build(d)
    assert_wire_clean(raw)
    m = parse(raw)
    assert m["Subject"] == d.subject
    assert m["From"].addresses[0].display_name == d.from_name
    assert m["From"].addresses[0].addr_spec == d.from_address
    assert m["To"].addresses[0].display_name == "山田 花子 様"
    assert m["Reply-To"] == "reply@sakura.example.jp"
    assert m["Message-ID"] == d.message_id
    assert m["Date"].datetime == NOW
    assert m["In-Reply-To"] == "<b@sakura.example.jp>"
    assert m["References"].split() == ["<a@sakura.example.jp>", "<b@sakura.example.jp>"]
    assert m["List-Unsubscribe"] == (
        "<https://sakura.example.jp/u?t=abc>, <mailto:unsub@sakura.example.jp?subject=unsubscribe>"
    )
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["MIME-Version"] == "1.0"
    assert m.get_content_type() == "text/plain"
    assert m["Content-Transfer-Encoding"] == "base64"
    assert body_text(m) == d.text


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
@settings(max_examples=60)
def test_base64_body_is_lines_of_76_characters_that_round_trip(text: str) -> None:
    raw = build(draft(text=text))
    assert_wire_clean(raw)
    lines = raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert lines.pop() == b""  # every line ends in CRLF
    assert all(len(line) == 76 for line in lines[:-1])
    assert all(0 < len(line) <= 76 for line in lines[-1:])
    sent = base64.b64decode(b"".join(lines)).decode("utf-8")
    given_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert sent.split("\r\n") == (given_lines if given_lines[-1] == "" else [*given_lines, ""])


def test_date_header_keeps_the_zone_it_was_given() -> None:
    """One instant in two zones: equal as datetimes (and in a cache), not as header text."""
    tokyo = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert b"Date: Tue, 24 Nov 2026 10:00:00 +0900\r\n" in build(draft(date=tokyo))
    assert b"Date: Tue, 24 Nov 2026 01:00:00 +0000\r\n" in build(draft(date=tokyo.astimezone(UTC)))


def test_long_japanese_subject_and_display_name_fold_and_round_trip() -> None:
    raw = build(draft(subject=LONG_SUBJECT, from_name=LONG_NAME, to_name=LONG_NAME + " 様"))
    assert_wire_clean(raw)
    m = parse(raw)
    assert m["Subject"] == LONG_SUBJECT
    assert display_name(raw, "From") == LONG_NAME
    assert display_name(raw, "To") == LONG_NAME + " 様"
    assert len(re.findall(r"=\?utf-8\?b\?", raw.split(b"\r\n\r\n")[0].decode())) > 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hi\r\nBcc: victim@evil.example"),
        ("subject", "caption line1\u2028line2\u0085line3"),
        ("to_name", "Hanako\nBcc: victim@evil.example"),
        ("from_name", "PR\r\n\r\nbody injection"),
        ("subject", "山田\r\nBcc: victim@evil.example"),
    ],
)
def test_line_breaks_from_data_never_make_a_header(field: str, value: str) -> None:
    raw = build(draft(**{field: value}))
    assert_wire_clean(raw)
    m = parse(raw)
    assert m["Bcc"] is None
    assert len(m.get_all("Subject")) == 1 and len(m.get_all("From")) == 1
    assert len(m.get_all("To")) == 1
    if field == "subject":
        assert m["Subject"] == single_line(value, "subject")
        assert "\n" not in m["Subject"]
    assert body_text(m) == "山田 花子 様\n\nはじめまして。\n"


@pytest.mark.parametrize("field", ["subject", "to_name", "from_name"])
def test_nul_and_control_characters_are_refused(field: str) -> None:
    with pytest.raises(HeaderValueError) as err:
        build(draft(**{field: "a\x00b"}))
    assert err.value.field == field.replace("_", " ")
    with pytest.raises(HeaderValueError):
        build(draft(**{field: "a\x1bb"}))


def test_encoded_word_lookalike_is_shown_literally() -> None:
    raw = build(draft(to_name="=?utf-8?b?5bGx55Sw?=", subject="=?utf-8?b?5bGx55Sw?="))
    m = parse(raw)
    assert m["Subject"] == "=?utf-8?b?5bGx55Sw?="
    assert m["To"].addresses[0].display_name == "=?utf-8?b?5bGx55Sw?="


def test_ascii_headers_stay_readable_and_quote_specials() -> None:
    raw = build(draft(subject="Loved your post", from_name="Sakura PR", to_name='Doe, "Jane"'))
    head = raw.split(b"\r\n\r\n")[0].decode()
    assert "Subject: Loved your post\r\n" in head
    assert "From: Sakura PR <pr@sakura.example.jp>\r\n" in head
    assert parse(raw)["To"].addresses[0].display_name == 'Doe, "Jane"'


def test_html_alternative() -> None:
    raw = build(draft(html="<p>山田 花子 様</p>\n"))
    assert_wire_clean(raw)
    m = parse(raw)
    assert m.get_content_type() == "multipart/alternative"
    assert body_text(m) == "山田 花子 様\n\nはじめまして。\n"
    html = m.get_body(("html",))
    assert html is not None and html.get_content().strip() == "<p>山田 花子 様</p>"


def test_iso_2022_jp_round_trip() -> None:
    d = draft(
        charset="iso-2022-jp",
        subject=LONG_SUBJECT,
        from_name=LONG_NAME,
        text="ｻｸﾗ ﾋﾞｭｰﾃｨｰ\n〜です\n",
    )
    raw = build(d)
    assert_wire_clean(raw)
    head = raw.split(b"\r\n\r\n")[0].decode()
    assert "=?iso-2022-jp?b?" in head
    m = parse(raw)
    assert m["Subject"] == LONG_SUBJECT
    assert display_name(raw, "From") == LONG_NAME
    assert m["Content-Transfer-Encoding"] == "7bit"
    assert m.get_content_charset() == "iso-2022-jp"
    assert body_text(m) == "サクラ ビューティー\n〜です\n"  # half-width katakana NFKC'd
    for line in raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n"):
        assert b"\x1b" not in line or line.endswith(b"\x1b(B")  # every line ends in ASCII


@pytest.mark.parametrize("char", ["髙", "﨑", "①", "㈱", "～"])
def test_iso_2022_jp_unencodable_character_is_a_per_influencer_error(
    tmp_path: Path, char: str
) -> None:
    write_templates(
        tmp_path / "templates",
        {
            "jis.j2": '---\nsubject = "{{ influencer.name }}様へ"\nlanguage = "ja"\n'
            'charset = "iso-2022-jp"\n---\n{{ influencer | honorific }}\n',
        },
    )
    composer = Composer(make_config(tmp_path))
    ok = composer.compose(
        make_campaign(), make_influencer(), step=1, total_steps=1, template="jis", now=NOW
    )
    assert parse(ok.raw)["Subject"] == "山田 花子様へ"
    with pytest.raises(RenderError) as err:
        composer.compose(
            make_campaign(),
            make_influencer(name=f"{char}橋 一郎", handle="takahashi"),
            step=1,
            total_steps=1,
            template="jis",
            now=NOW,
        )
    assert f"U+{ord(char):04X}" in str(err.value) and char in str(err.value)
    assert err.value.handle == "takahashi" and err.value.template == "templates/jis.j2"
    assert "ISO-2022-JP" in str(err.value)
    assert "(from influencer.name)" in str(err.value)  # which roster field to fix
    assert str(err.value).startswith("templates/jis.j2: to name: character")

    fallback = Composer(make_config(tmp_path, sending={"iso2022jp_fallback": "utf-8"}))
    msg = fallback.compose(
        make_campaign(),
        make_influencer(name=f"{char}橋 一郎"),
        step=1,
        total_steps=1,
        template="jis",
        now=NOW,
    )
    assert parse(msg.raw).get_content_charset() == "utf-8"
    assert parse(msg.raw)["Subject"] == f"{char}橋 一郎様へ"
    assert any("UTF-8" in w for w in msg.warnings)


def test_composed_message_matches_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", "k" * 32)
    write_templates(tmp_path / "templates")
    config = make_config(tmp_path)
    msg = compose_message(
        config, make_campaign(), make_influencer(), step=1, total_steps=3, template="pitch", now=NOW
    )
    m = parse(msg.raw)
    assert_wire_clean(msg.raw)
    assert msg.subject == m["Subject"] == "冬のスキンケアを拝見しました / Sakura Beauty"
    assert msg.message_id == m["Message-ID"] and msg.message_id.endswith(
        "@sakura-beauty.example.jp>"
    )
    assert msg.mail_from == "pr@sakura-beauty.example.jp" and msg.rcpt_to == ["hanako@example.com"]
    assert body_text(m) == msg.text and msg.text.startswith("山田 花子 様\n")
    assert "utm_source=influencer" in msg.text and "utm_campaign=spring" in msg.text
    assert msg.template == "templates/pitch.ja.j2" and msg.language == "ja"
    assert msg.warnings == ()
    assert m["List-Unsubscribe"].startswith("<https://example.jp/unsubscribe?t=")
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_secret_only_mailto_unsubscribe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTREACH_UNSUBSCRIBE_SECRET", raising=False)
    write_templates(tmp_path / "templates")
    msg = compose_message(
        make_config(tmp_path),
        make_campaign(),
        make_influencer(),
        step=1,
        total_steps=1,
        template="pitch",
        now=NOW,
    )
    m = parse(msg.raw)
    assert (
        m["List-Unsubscribe"] == "<mailto:unsubscribe@sakura-beauty.example.jp?subject=unsubscribe>"
    )
    assert m["List-Unsubscribe-Post"] is None
    assert "mailto:unsubscribe@" in msg.text


def test_follow_up_threads_and_recipients(tmp_path: Path) -> None:
    write_templates(tmp_path / "templates")
    config = make_config(tmp_path, safety={"redirect_all_to": "staging@example.net"})
    composer = Composer(config)
    thread = Thread(message_ids=("<1@x>", "<2@x>"), subject="冬のスキンケアを拝見しました")
    person = make_influencer(manager_email="agency@example.org", basis="none", refuses_ads=True)
    msg = composer.compose(
        make_campaign(to_manager=True),
        person,
        step=3,
        total_steps=3,
        template="followup1",
        now=NOW,
        thread=thread,
    )
    m = parse(msg.raw)
    assert m["Subject"] == "Re: 冬のスキンケアを拝見しました"
    assert m["In-Reply-To"] == "<2@x>" and m["References"].split() == ["<1@x>", "<2@x>"]
    assert m["To"].addresses[0].addr_spec == "agency@example.org"
    assert msg.rcpt_to == ["staging@example.net"]  # envelope redirected, header unchanged
    assert len(msg.warnings) == 2
    own = composer.compose(
        make_campaign(),
        make_influencer(),
        step=2,
        total_steps=3,
        template="followup1",
        now=NOW,
        thread=thread,
        subject="Checking\r\nin",
    )
    assert parse(own.raw)["Subject"] == own.subject == "Checking in"
    assert any("threading" in w for w in own.warnings)
    assert own.rcpt_to == ["staging@example.net"]
    plain = Composer(make_config(tmp_path)).compose(
        make_campaign(), person, step=1, total_steps=1, template="pitch", now=NOW
    )
    assert plain.rcpt_to == ["hanako@example.com"]  # to_manager off by default


HEADER_TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["山", "田", "\u3000", "〜", "～", "=?", "?=", " ", "😀", "\r\n", "é"]),
    ),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(name=HEADER_TEXT, subject=HEADER_TEXT)
@example(name="0  0", subject="")  # doubled spaces: an unquoted phrase would read back as one
@example(name=" Emily ", subject="")
def test_property_any_name_and_subject_round_trip_or_are_refused(name: str, subject: str) -> None:
    try:
        raw = build(draft(to_name=name, subject=subject))
    except HeaderValueError as exc:
        assert exc.field in ("to name", "subject")
        return
    assert_wire_clean(raw)
    m = parse(raw)
    assert m["Subject"] == single_line(subject, "subject")
    if name.strip():
        assert display_name(raw, "To") == single_line(name, "to name")
    assert len(m.get_all("Subject")) == 1 and m["Bcc"] is None


PEOPLE = st.builds(
    make_influencer,
    name=HEADER_TEXT,
    handle=st.text(min_size=1, max_size=30),
    followers=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    language=st.sampled_from(["ja", "en"]),
    custom=st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=50), st.integers())),
    posts=st.just(()) | st.just(make_influencer().posts),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(person=PEOPLE)
def test_property_any_influencer_renders_or_raises_a_reported_error(
    tmp_path: Path, person: object
) -> None:
    if not (tmp_path / "templates").exists():
        write_templates(tmp_path / "templates")
    composer = Composer(make_config(tmp_path))
    try:
        msg = composer.compose(
            make_campaign(),
            person,
            step=1,
            total_steps=1,  # type: ignore[arg-type]
            template="pitch",
            now=NOW,
        )
    except RenderError as exc:
        assert exc.handle == person.handle and exc.template.startswith("templates/")  # type: ignore[attr-defined]
        return
    assert_wire_clean(msg.raw)
    assert body_text(parse(msg.raw)) == msg.text.replace("\r\n", "\n").replace("\r", "\n")
