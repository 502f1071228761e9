"""Hostile inbound mail: codec-named charsets, terminal escapes in what is printed and logged,
oversized messages (stored and parsed capped, IMAP fetched in size-bounded batches)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import encodings.aliases
import io
import json
import logging
import mailbox
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock, SystemClock
from outreach.config import InboxConfig, load_config
from outreach.daemon.run import AppContext, run_daemon
from outreach.domain.display import SafeLogFilter, safe_json, safe_text
from outreach.inbound import parse_and_classify
from outreach.inbound.decode import (
    MAX_PARSED_BYTES,
    cap_message,
    decode_bytes,
    header_end,
    header_text,
)
from outreach.services.inbox import sources as inbox_sources
from outreach.services.inbox.poll import import_files, poll
from outreach.services.inbox.sources import fetch_batches
from outreach.store.queries.mailbox import mark_polled
from outreach.store.schema import inbound
from outreach.store.session import reading, writing
from outreach.transport.smtp import SmtpTransport
from tests.support.db import sqlite_engine
from tests.support.imap import imap_settings, running_imap
from tests.support.inbox import T0, enrol, make_config, write_workspace

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "data" / "hostile"
PITCH_ID = "<20261120010000.a1b2c3@brand.example>"
# What a terminal acts on: ESC, DEL and C1 controls, Bidi embeddings/overrides/isolates/marks.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MiB = 1 << 20


# --- charsets -------------------------------------------------------------------------------

CHARSET_FILES = {
    "charset_punycode.eml": ["unknown charset 'punycode'"],
    "charset_rot13.eml": ["unknown charset 'rot13'"],
    "charset_base64_codec.eml": ["unknown charset 'base64_codec'"],
    "charset_unknown.eml": ["unknown charset 'x-klingon-piqad'"],
    "charset_rfc2231_punycode.eml": ["unknown charset 'punycode' in an RFC 2231 parameter"],
    "charset_header_words.eml": [
        "unknown charset 'punycode'",
        "unknown charset 'rot13'",
        "unknown charset 'zlib'",
    ],
}


def test_every_charset_file_is_listed() -> None:
    assert sorted(p.name for p in HOSTILE.glob("charset_*.eml")) == sorted(CHARSET_FILES)


@pytest.mark.parametrize("name", sorted(CHARSET_FILES))
def test_an_opt_out_under_a_codec_charset_is_still_an_opt_out_and_quick(name: str) -> None:
    # A 1 MB part: under charset="punycode" it took 30 s and then raised.
    raw = (HOSTILE / name).read_bytes() + b"more words " * 100_000 + b"\n"
    # The phrase data and the learned reader load once per process: not work on this input.
    parse_and_classify((HOSTILE / name).read_bytes())
    # CPU time of this process: the bound is on the work done, which other processes sharing the
    # machine (the suite's parallel workers) cannot stretch as they stretch wall-clock time.
    started = time.process_time()
    found = parse_and_classify(raw)
    elapsed = time.process_time() - started
    assert found.kind == "opt_out"
    assert elapsed < 1.0
    assert all(reason in found.reasons for reason in CHARSET_FILES[name]), found.reasons
    assert found.from_addr == "saki@nakamura-life.example"


@pytest.mark.parametrize(
    "label",
    [
        "punycode",
        "rot13",
        "rot_13",
        "base64",
        "base64_codec",
        "zlib",
        "bz2_codec",
        "hex",
        "idna",
        "uu",
        "quopri",
        "utf-7",
        "undefined",
        "unicode_escape",
        "raw_unicode_escape",
    ],
)
def test_codec_labels_are_not_charsets(label: str) -> None:
    reasons: list[str] = []
    assert decode_bytes("café".encode(), label, reasons) == "café"
    assert reasons == [
        f"unknown charset {label!r}",
        "8-bit text without a usable charset label: read as utf-8",
    ]
    reasons = []
    started = time.process_time()
    text = decode_bytes(b"\x81 " * 500_000, label, reasons)  # no fallback reads it: replaced
    assert time.process_time() - started < 1.0
    assert text == "\ufffd " * 500_000
    assert reasons == [
        f"unknown charset {label!r}",
        f"undecodable bytes with charset {label!r}; replaced",
    ]


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("Shift_JIS", "cp932", "①㈱テスト"),
        ("x-sjis", "cp932", "テスト"),
        ("Windows-31J", "cp932", "①テスト"),
        ("MS932", "cp932", "テスト"),
        ("ISO-2022-JP", "iso2022_jp", "テスト"),
        ("csISO2022JP", "iso2022_jp", "テスト"),
        ("EUC-JP", "euc_jp", "テスト"),
        ("x-euc-jp", "euc_jp", "テスト"),
        ("GB2312", "gb2312", "中文"),
        ("GBK", "gbk", "中文"),
        ("GB18030", "gb18030", "中文"),
        ("Big5", "big5", "中文"),
        ("EUC-KR", "euc_kr", "한국어"),
        ("ks_c_5601-1987", "cp949", "한국어"),
        ("KOI8-R", "koi8_r", "Привет"),
        ("koi8-u", "koi8_u", "Привіт"),
        ("ISO-8859-15", "iso8859_15", "€uro"),
        ("ISO_8859-1:1987", "latin_1", "café"),
        ("latin1", "latin_1", "café"),
        ("iso-8859-2", "iso8859_2", "Łódź"),
        ("windows-1250", "cp1250", "Łódź"),
        ("windows-1251", "cp1251", "Привет"),
        ("UTF-16LE", "utf_16_le", "テスト"),
        ("utf-16", "utf_16", "テスト"),
        ("UTF8", "utf_8", "テスト"),
        ("us-ascii", "ascii", "hello"),
    ],
)
def test_mail_charsets_and_their_aliases(label: str, codec: str, text: str) -> None:
    reasons: list[str] = []
    assert decode_bytes(text.encode(codec), label, reasons) == text
    assert reasons == []


ALL_CODECS = sorted(
    set(encodings.aliases.aliases.values())
    | {
        "punycode",
        "idna",
        "rot13",
        "undefined",
        "utf-7",
        "unicode_escape",
        "raw_unicode_escape",
        "base64_codec",
        "zlib_codec",
        "bz2_codec",
        "hex_codec",
        "uu_codec",
        "quopri_codec",
    }
)


def test_every_python_codec_name_anywhere_keeps_the_opt_out() -> None:
    """Each codec Python knows, as the part's charset, in charset*=, boundary*=, filename*=,
    name*= and in an RFC 2047 word of the Subject."""
    body = "Please stop emailing me and remove me from your list.\n"
    missed = []
    for c in ALL_CODECS:
        for v in (
            f"Content-Type: text/plain; charset={c}\n\n{body}",
            f"Content-Type: text/plain; charset*={c}''%FF%FE\n\n{body}",
            f"Content-Type: multipart/mixed; boundary*={c}''%FF%FEab\n\n"
            f"--\xff\xfeab\nContent-Type: text/plain\n\n{body}--\xff\xfeab--\n",
            f"Content-Type: text/plain\nContent-Disposition: inline; filename*={c}''%FF\n\n{body}",
            f"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
            f"Content-Type: text/plain; charset={c}; name*={c}''%FF\n\n{body}--b--\n",
        ):
            raw = f"From: a@example.com\nSubject: =?{c}?b?//79?= Re: x\n{v}".encode("latin-1")
            found = parse_and_classify(raw)
            if found.kind != "opt_out":
                missed.append((c, v[:40], found.kind, found.reasons[:2]))
    assert len(ALL_CODECS) > 100
    assert missed == []


@pytest.mark.parametrize("label", ["utf-16le", "UTF-16BE", "utf-32"])
def test_ascii_labelled_utf16_is_read_as_text(label: str) -> None:
    reasons: list[str] = []
    assert decode_bytes(b"Please remove me from your list.", label, reasons) == (
        "Please remove me from your list."
    )
    assert reasons == [f"charset {label!r} on ASCII text: read as utf-8"]
    reasons = []
    assert decode_bytes("Hi テスト\n".encode(label), label, reasons) == "Hi テスト\n"
    assert reasons == []


def test_a_character_cut_by_a_size_cap_keeps_the_declared_charset() -> None:
    reasons: list[str] = []
    assert decode_bytes("配信停止".encode()[:-1], "utf-8", reasons) == "配信停\ufffd"
    assert reasons == []
    assert decode_bytes("配信停止".encode("cp932")[:-1], "shift_jis", reasons) == "配信停\ufffd"
    assert reasons == []


@pytest.mark.parametrize(
    "ctype",
    [
        'text/plain; x="' + ";" * 80_000 + '"; charset=utf-8',
        'multipart/mixed; boundary="b"; x="' + ";" * 80_000 + '"',
        "text/plain; " + "a=b; " * 80_000,
        "text/plain; charset*=punycode''" + "a" * 80_000 + "-" + "b" * 80_000,
        "multipart/mixed; boundary*=idna''%FF%00ab",
        "multipart/mixed; boundary*=punycode''%FF%00ab",
    ],
    ids=[
        "quoted-semicolons",
        "multipart-quoted-semicolons",
        "many-params",
        "2231-punycode-long",
        "2231-idna-boundary",
        "2231-punycode-boundary",
    ],
)
def test_hostile_content_type_parameters_are_read_quickly(ctype: str) -> None:
    # The stdlib reads parameters in quadratic time (an 80 kB one took 20 s) and decodes
    # RFC 2231 values with any codec they name (idna raised out of the parser).
    raw = f"From: a@example.jp\nSubject: Re: x\nContent-Type: {ctype}\n\n".encode()
    started = time.process_time()
    found = parse_and_classify(raw + b"Please remove me from your list.\n")
    assert time.process_time() - started < 1.0
    assert found.kind == "opt_out"
    assert not any(r.startswith("unparsed") for r in found.reasons)


@pytest.mark.parametrize("depth", [3_000, 20_000])
def test_deeply_nested_parts_do_not_overflow_the_parser(depth: int) -> None:
    # The stdlib parser recurses per level: 3,000 levels raised RecursionError (unparsed).
    head = (
        "From: a@example.com\nSubject: Re: x\nContent-Type: multipart/mixed; boundary=top\n\n"
        "--top\nContent-Type: text/plain\n\nPlease remove me from your list.\n"
        "--top\nContent-Type: multipart/mixed; boundary=b0\n\n"
    )
    nest = "".join(
        f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(depth)
    )
    started = time.process_time()
    found = parse_and_classify((head + nest + "--top--\n").encode())
    assert time.process_time() - started < 3.0
    assert found.kind == "opt_out"
    said = " multipart or message parts: those after the first 32 read as text"
    counted = [r for r in found.reasons if r.endswith(said)]
    if depth == 3_000:
        assert counted == [f"{depth + 2}{said}"]
    else:  # past the parse cap: only the first MiB's parts are counted
        assert counted == [f"18786{said}"]
        assert any(r.startswith("message truncated for classification: ") for r in found.reasons)
    assert not any(r.startswith("unparsed") for r in found.reasons)


@pytest.mark.parametrize(
    ("value", "sender"),
    [
        ("(" * 100_000, ""),  # nested comments: RecursionError in the stdlib's address parser
        ("(" * 3_000 + "x" + ")" * 3_000 + " saki@example.jp", ""),
        ("saki@example.jp, " * 50_000, "saki@example.jp"),
        ('"' * 200_000, ""),
    ],
    ids=["open-comments", "nested-comments", "many-addresses", "quotes"],
)
def test_hostile_from_headers_keep_the_opt_out(value: str, sender: str) -> None:
    raw = f"From: {value}\nSubject: Re: x\nContent-Type: text/plain\n\nPlease remove me from your list.\n"
    started = time.process_time()
    found = parse_and_classify(raw.encode())
    assert time.process_time() - started < 1.0
    assert (found.kind, found.from_addr) == ("opt_out", sender)


# --- RFC 2047 white space ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=?utf-8?q?Sakura?=\n Night Serum", "Sakura Night Serum"),  # folded after the word
        ("=?utf-8?b?U2FrdXJh?=\n\tNight Serum", "Sakura Night Serum"),
        ("Re:\n =?utf-8?q?Sakura?=\n Night", "Re: Sakura Night"),
        ("=?utf-8?q?Sakura?= Night Serum", "Sakura Night Serum"),
        ("Re: =?utf-8?b?44K144Kv44Op?= Night", "Re: サクラ Night"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("=?utf-8?q?a?= (x) =?iso-8859-1?q?b?=", "a (x) b"),
        ("A =?utf-8?q?x?=\n =?utf-8?q?y?= B", "A xy B"),
        ("=?utf-8?q?Sakura_?=Night", "Sakura Night"),
    ],
)
def test_encoded_words_keep_the_space_before_a_plain_word(value: str, shown: str) -> None:
    raw = f"Subject: {value}\n\n".encode()
    stdlib = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
    assert " ".join(str(stdlib).split()) == shown
    assert header_text(email.message_from_bytes(raw), "Subject", []) == shown


def test_inbox_list_shows_the_space_after_a_folded_encoded_word(tmp_path: Path) -> None:
    cfg = write_workspace(tmp_path)
    eml = tmp_path / "folded.eml"
    eml.write_bytes(
        b"From: a@example.jp\r\nSubject: =?UTF-8?B?U2FrdXJh?=\r\n Night Serum\r\n"
        b"Message-ID: <folded@example.jp>\r\n\r\nLooks lovely!\r\n"
    )
    cli_run(cfg, "inbox", "import", str(eml))
    [row] = [
        json.loads(line) for line in cli_run(cfg, "inbox", "list", "--format", "json").splitlines()
    ]
    assert row["subject"] == "Sakura Night Serum"
    assert "Sakura Night Serum" in cli_run(cfg, "inbox", "list")


# --- terminal escapes -------------------------------------------------------------------------


def test_safe_text_shows_controls_and_keeps_ordinary_text() -> None:
    assert safe_text("Re: \x1b[2J\x9b6n\u202eexe.txt\tx\ny") == (
        "Re: \\x1b[2J\\x9b6n\\u202eexe.txt\\x09x\\x0ay"
    )
    assert safe_text("a\r\nb\rc\td\x07", multiline=True) == "a\nb\\x0dc\td\\x07"
    assert safe_text("サクラ 🌸 naïve — ‍👩‍👩") == "サクラ 🌸 naïve — ‍👩‍👩"
    line = json.dumps({"s": "\x1b\x9b\u202e\u2028ok"}, ensure_ascii=False)
    assert safe_json(line) == '{"s": "\\u001b\\u009b\\u202e\\u2028ok"}'
    assert json.loads(safe_json(line)) == {"s": "\x1b\x9b\u202e\u2028ok"}


def cli_run(cfg: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_inbox_list_show_classify_print_no_terminal_controls(tmp_path: Path) -> None:
    cfg = write_workspace(tmp_path)
    enrol(sqlite_engine(tmp_path / "outreach.db"), "hanako@example.jp", message_id=PITCH_ID)
    files = [str(p) for p in sorted(HOSTILE.glob("escape_*.eml"))]
    assert len(files) == 3
    cli_run(cfg, "inbox", "import", *files)
    listed = cli_run(cfg, "inbox", "list", "--format", "json")
    rows = [json.loads(line) for line in listed.splitlines()]
    outputs = [
        listed,
        cli_run(cfg, "inbox", "list"),
        cli_run(cfg, "inbox", "list", "--format", "csv"),
        *(cli_run(cfg, "inbox", "show", str(row["id"])) for row in rows),
        cli_run(cfg, "inbox", "classify", *files),
        cli_run(cfg, "inbox", "classify", "--format", "json", *files),
    ]
    for out in outputs:
        assert UNSAFE.search(out) is None, out
    # JSON keeps the data (escaped), the table and `show` make each control visible.
    subjects = {row["subject"] for row in rows}
    assert "Re: \x1b[2J\x1b[31mURGENT\x1b[0m \x9b6n offer" in subjects
    assert "Re: offer \x1b]0;title\x07 \x9b31m\u202e done" in subjects
    encoded = next(r["id"] for r in rows if "URGENT" in r["subject"])
    shown = cli_run(cfg, "inbox", "show", str(encoded)).splitlines()
    assert "subject:  Re: \\x1b[2J\\x1b[31mURGENT\\x1b[0m \\x9b6n offer" in shown
    assert (
        "Thanks, we are interested. \\x1b]8;;https://evil.example/\\x07details\\x1b]8;;\\x07"
        in shown
    )
    assert "\\u202efdp.exe \\x9d0;title\\x9c \\x1b[8mhidden\\x1b[0m" in shown
    table = cli_run(cfg, "inbox", "list")
    assert "Re: offer \\x1b]0;title\\x07 \\x9b31m\\u202e done" in table
    classified = cli_run(cfg, "inbox", "classify", str(HOSTILE / "escape_dsn.eml"))
    assert classified.splitlines()[0].startswith(f"{HOSTILE / 'escape_dsn.eml'}: bounce 5.7.1")


def test_a_hostile_dsn_imported_by_the_real_cli_logs_no_terminal_controls(tmp_path: Path) -> None:
    # The sender-side bounce warning quotes the DSN's Diagnostic-Code, which carries OSC 8.
    cfg = write_workspace(tmp_path)
    enrol(sqlite_engine(tmp_path / "outreach.db"), "hanako@example.jp", message_id=PITCH_ID)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "outreach",
            "--config",
            str(cfg),
            "inbox",
            "import",
            str(HOSTILE / "escape_dsn.eml"),
        ],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert UNSAFE.search(out + err) is None, err
    assert "rejected by policy \\x1b]8;;https://evil.example/\\x07see\\x1b]8;;\\x07" in err
    assert out == "read 1: bounce 1; unmatched 0; already processed 0\n"


def test_status_shows_an_inbox_error_with_its_controls_visible(tmp_path: Path) -> None:
    cfg = write_workspace(tmp_path)
    engine = sqlite_engine(tmp_path / "outreach.db")
    with writing(engine) as conn:
        mark_polled(conn, "main", at=T0, error="IMAP error: \x1b]0;pwned\x07 \x9b2J")
    engine.dispose()
    out = cli_run(cfg, "status")
    assert UNSAFE.search(out) is None, out
    assert "(IMAP error: \\x1b]0;pwned\\x07 \\x9b2J)" in out


def test_log_lines_carry_no_terminal_controls() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(SafeLogFilter())
    log = logging.getLogger("outreach.test_hostile")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("inbox %s: %s", "main", "Re: \x1b]0;pwned\x07\nWARNING forged line \x9b2J")
        log.warning("sender-side bounce %(status)s", {"status": "5.7.1 \u202eevil"})
        log.warning("wrong %d", "\x1bnot a number")
        try:
            raise ValueError("bad \x1b[31m byte")
        except ValueError:
            log.exception("cannot classify %s", "x.eml")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert UNSAFE.search(text) is None, text
    lines = text.splitlines()
    assert lines[0] == "WARNING inbox main: Re: \\x1b]0;pwned\\x07\\x0aWARNING forged line \\x9b2J"
    assert lines[1] == "WARNING sender-side bounce 5.7.1 \\u202eevil"
    assert lines[2] == "WARNING wrong %d ('\\x1bnot a number',)"
    assert lines[3] == "ERROR cannot classify x.eml"
    assert lines[-1] == "ValueError: bad \\x1b[31m byte"


def test_the_cli_and_the_daemon_filter_their_logs(tmp_path: Path) -> None:
    # A real `outreach` process: any command installs the filter on logging's last resort
    # handler (what prints warnings of commands that configure no logging).
    script = (
        "import logging, sys\n"
        "from outreach.cli import cli\n"
        "cli.main(['--config', sys.argv[1], 'inbox', 'list'], standalone_mode=False)\n"
        "logging.getLogger('outreach.services.inbox.poll').warning('inbox %s: %s', 'main', "
        "'\\x1b]0;pwned\\x07 \\x9b2J \\u202e')\n"
    )
    cfg = write_workspace(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script, str(cfg)],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert err == "inbox main: \\x1b]0;pwned\\x07 \\x9b2J \\u202e\n"


def test_the_daemon_filters_every_log_handler(tmp_path: Path) -> None:
    config = load_config(write_workspace(tmp_path))
    engine = sqlite_engine(tmp_path / "outreach.db")
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    try:
        ctx = AppContext(config, engine, SystemClock(), SmtpTransport(config.mailboxes))
        assert asyncio.run(run_daemon(ctx, once=True)) == 0
        assert any(isinstance(f, SafeLogFilter) for f in handler.filters)
    finally:
        logging.getLogger().removeHandler(handler)
        engine.dispose()


# --- oversized mail ---------------------------------------------------------------------------


def test_cap_keeps_the_header_block_and_the_first_bytes() -> None:
    head = b"Subject: x\r\nFrom: a@example.jp\r\n\r\n"
    raw = head + b"y" * 100_000
    assert header_end(raw) == len(head)
    assert cap_message(raw, 20_000) == head + b"y" * 20_000
    assert cap_message(raw, 200_000) == raw
    assert cap_message(b"z" * 50_000, 20_000) == b"z" * 20_000  # no header block in reach
    found = parse_and_classify(head + b"Please remove me from your list.\n" + b"y" * (2 * MiB))
    assert found.kind == "opt_out"
    assert any(r.startswith("message truncated for classification: read ") for r in found.reasons)


def _write_big_message(path: Path, size: int) -> int:
    """A 50 MB reply whose first line is an opt-out; written in chunks, never held whole."""
    head = (
        b"From: Saki <saki@nakamura-life.example>\nTo: hello@brand.example\n"
        b"Subject: Re: Spring collaboration\nMessage-ID: <oversize@nakamura-life.example>\n"
        b"Date: Mon, 01 Dec 2025 10:00:00 +0900\nContent-Type: text/plain; charset=utf-8\n\n"
        b"Please remove me from your list.\n\n"
    )
    line = b"filler " * 10 + b"\n"
    with path.open("wb") as fh:
        fh.write(head)
        written = len(head)
        chunk = line * (MiB // len(line))
        while written < size:
            fh.write(chunk)
            written += len(chunk)
    return len(head) - len(b"Please remove me from your list.\n\n")


POLL_AND_MEASURE = """
import json, sys
from pathlib import Path
from outreach.clock import SystemClock
from outreach.config import InboxConfig, load_config
from outreach.services.inbox.poll import poll
from outreach.store.session import make_engine
cfg = load_config(sys.argv[1])
engine = make_engine(cfg.database_url)
first = poll(engine, cfg, SystemClock())
Path(sys.argv[2]).rename(Path(sys.argv[3]))
def kib(field):
    status = Path("/proc/self/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith(field)).split()[1])
before = kib("VmRSS:")
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from here
second = poll(engine, cfg, SystemClock())
after = kib("VmHWM:")
print(json.dumps({"first": dict(first.kinds), "second": dict(second.kinds), "growth_kib": after - before}))
"""


def test_a_50_mb_message_is_stored_capped_and_polled_in_bounded_memory(tmp_path: Path) -> None:
    cfg = write_workspace(tmp_path)
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    # A small message first, so the measured poll starts with everything imported and warm.
    box.add(b"From: a@example.jp\nSubject: warm\nMessage-ID: <warm@example.jp>\n\nhello\n")
    staged = tmp_path / "oversize_50mb.eml"
    header_len = _write_big_message(staged, 50 * 1000 * 1000)
    size = staged.stat().st_size
    target = tmp_path / "inbox" / "new" / "1700000000.oversize.host"
    done = subprocess.run(
        [sys.executable, "-c", POLL_AND_MEASURE, str(cfg), str(staged), str(target)],
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr.decode()
    measured = json.loads(done.stdout)
    assert measured["first"] == {"reply": 1}
    assert measured["second"] == {"opt_out": 1}
    assert measured["growth_kib"] < 150 * 1024, measured
    engine = sqlite_engine(tmp_path / "outreach.db")
    with reading(engine) as conn:
        row = conn.execute(
            select(inbound.c.id, inbound.c.raw, inbound.c.raw_size, inbound.c.kind).where(
                inbound.c.message_id == "<oversize@nakamura-life.example>"
            )
        ).one()
    engine.dispose()
    assert row.kind == "opt_out"
    assert row.raw_size == size
    assert len(row.raw) == header_len + MiB
    shown = cli_run(cfg, "inbox", "show", str(row.id))
    assert f"truncated: kept {header_len + MiB} of {size} bytes" in shown.splitlines()
    assert "truncated" not in cli_run(cfg, "inbox", "show", "1")


def test_import_of_an_oversized_eml_and_mbox_reads_only_the_cap(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    config = make_config(tmp_path, {"source": "none"})
    eml = tmp_path / "oversize_3mb.eml"
    header_len = _write_big_message(eml, 3 * MiB)
    mbox = tmp_path / "oversize_3mb.mbox"
    mbox.write_bytes(
        b"From MAILER-DAEMON Mon Dec  1 00:00:00 2025\n"
        + eml.read_bytes().replace(b"<oversize@", b"<oversize-mbox@")
        + b"\n"
    )
    in_mbox = len(mailbox.mbox(str(mbox)).get_bytes(0))
    report = import_files(sqlite_db, config, FixedClock(T0), [eml, mbox])
    assert dict(report.kinds) == {"opt_out": 2}
    with reading(sqlite_db) as conn:
        rows = conn.execute(select(inbound.c.raw, inbound.c.raw_size).order_by(inbound.c.id)).all()
    assert [len(r.raw) for r in rows] == [header_len + MiB, header_len + len(b"-mbox") + MiB]
    assert [r.raw_size for r in rows] == [eml.stat().st_size, in_mbox]


# --- IMAP: fetch batches bounded by count and size --------------------------------------------


def test_fetch_batches_by_count_and_size() -> None:
    sizes = {1: 100, 2: 100, 3: 100, 4: 900, 5: 900, 6: 5000, 8: 10}
    batches = list(
        fetch_batches([1, 2, 3, 4, 5, 6, 7, 8], sizes, window=1000, max_count=3, max_bytes=1500)
    )
    assert batches == [
        ([1, 2, 3], False),
        ([4], False),
        ([5], False),
        ([6], True),  # over the window: alone, partial
        ([7], True),  # no size known: alone, partial
        ([8], False),
    ]


@contextmanager
def recording_relay(backend_port: int) -> Iterator[tuple[int, list[bytes], list[int]]]:
    """A loopback TCP relay in front of the IMAP server: what the client sent, line by line,
    and how many bytes the server sent back."""
    sent: list[bytes] = []
    received = [0]
    loop = asyncio.new_event_loop()

    async def pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if upstream:
                    sent.append(data)
                else:
                    received[0] += len(data)
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", backend_port)
        await asyncio.gather(pipe(client_r, server_w, True), pipe(server_r, client_w, False))

    server = loop.run_until_complete(asyncio.start_server(relay, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, name="imap-relay", daemon=True)
    thread.start()
    lines: list[bytes] = []
    try:
        yield int(server.sockets[0].getsockname()[1]), lines, received
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        server.close()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        lines.extend(b"".join(sent).split(b"\r\n"))


def _message(n: int, size: int) -> bytes:
    head = (
        f"From: creator{n}@example.jp\r\nTo: hello@brand.example\r\nSubject: Re: pitch {n}\r\n"
        f"Message-ID: <imap-{n}@example.jp>\r\n\r\nThanks, sounds interesting.\r\n"
    ).encode()
    return head + (b"x" * 70 + b"\r\n") * max(0, (size - len(head)) // 72)


def test_imap_fetches_in_size_bounded_batches_and_a_huge_message_partially(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 16_384
    monkeypatch.setattr(inbox_sources, "FETCH_BATCH", 3)
    monkeypatch.setattr(inbox_sources, "FETCH_BATCH_BYTES", 45_000)
    sizes = [1_000, 1_000, 1_000, 20_000, 20_000, 3 * MiB, 1_000]
    messages = [_message(n, size) for n, size in enumerate(sizes)]
    with running_imap(tmp_path, monkeypatch) as server:
        server.append(messages)
        with server.client() as c:
            c.select_folder("INBOX", readonly=True)
            uids = sorted(c.search(["ALL"]))
        with recording_relay(server.port) as (port, lines, received):
            config = make_config(tmp_path, imap_settings(port))
            config = config.model_copy(update={"inbox": InboxConfig(max_stored_bytes=cap)})
            report = poll(sqlite_db, config, FixedClock(T0))
        assert report.errors == {}
        assert dict(report.kinds) == {"reply": 7}
    fetches = [re.sub(rb"^\S+ ", b"", line).decode() for line in lines if b" UID FETCH " in line]
    u = uids
    assert fetches == [
        f"UID FETCH {','.join(map(str, u))} (RFC822.SIZE)",
        f"UID FETCH {u[0]},{u[1]},{u[2]} (BODY.PEEK[])",
        f"UID FETCH {u[3]},{u[4]} (BODY.PEEK[])",
        f"UID FETCH {u[5]} (BODY.PEEK[]<0.{2 * cap}>)",
        f"UID FETCH {u[6]} (BODY.PEEK[])",
    ]
    assert received[0] < 200_000  # the 3 MiB message never crossed the wire
    with reading(sqlite_db) as conn:
        rows = {
            r.message_id: (len(r.raw), r.raw_size)
            for r in conn.execute(select(inbound.c.message_id, inbound.c.raw, inbound.c.raw_size))
        }
    for n, raw in enumerate(messages):
        head = header_end(raw)
        assert rows[f"<imap-{n}@example.jp>"] == (min(len(raw), head + cap), len(raw))
    assert MiB == MAX_PARSED_BYTES
