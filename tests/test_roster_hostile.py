"""Hostile or broken roster files: each is a `file:line: field: reason` (or one line naming the
setting), never a traceback; JSON arrays stream; a bad file never takes the write lock;
invisible characters per field; IDN addresses stored and sent in their `xn--` form."""

from __future__ import annotations

import asyncio
import email
import json
import random
import sqlite3
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from outreach.cli import main
from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.errors import ImportRejected, InputError
from outreach.render.compose import Composer
from outreach.services.roster import source as roster_source
from outreach.services.roster.importer import (
    ImportOptions,
    ImportReport,
    import_influencers,
    import_posts,
)
from outreach.services.roster.source import read_rows
from outreach.services.send.dispatch import dispatch_once
from outreach.services.send.plan import plan_due, sent_hook
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries.roster import find_influencer, load_influencers
from outreach.store.schema import influencer
from outreach.store.session import reading
from outreach.transport.smtp import SmtpTransport
from tests.support.net import free_port
from tests.support.sequence import main_mailbox, make_workspace
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile" / "roster"
CLOCK = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
DIGITS = "'11111111111111111111'... (5000 characters)"

# Whole files refused (all-or-nothing): exactly these lines, and nothing written.
REJECTED = {
    "deep_nesting.json": [
        "deep_nesting.json:3: json: nested too deeply (a record holds text, numbers or a list of them)",
    ],
    "huge_number.json": [
        f"huge_number.json:3: followers: {DIGITS} is implausibly large",
        "huge_number.json:4: avg_likes: '11111111111111111111'... (5002 characters) is implausibly large",
    ],
    "huge_number.csv": [f"huge_number.csv:2: followers: {DIGITS} is implausibly large"],
    "duplicate_key.json": [
        (
            "duplicate_key.json:5: email: appears twice in the record starting on line 4 "
            "(JSON would keep only the last); keep one"
        ),
    ],
    "duplicate_key.jsonl": [
        (
            "duplicate_key.jsonl:2: handle: appears twice in the record starting on line 2 "
            "(JSON would keep only the last); keep one"
        ),
    ],
    "truncated.json": [
        "truncated.json:3: json: the file ends inside this record (was it cut short?)"
    ],
    "trailing_text.json": ["trailing_text.json:4: json: text after the closing ']'"],
    "missing_comma.json": [
        "missing_comma.json:3: json: expected ',' or ']' after a record, found '{'",
    ],
    "invisible_header.csv": [
        (
            "invisible_header.csv:1: header: column 'email\\u200b' contains the invisible character "
            "U+200B (ZERO WIDTH SPACE)"
        ),
    ],
    "invisible_key.json": [
        (
            "invisible_key.json:1: json: key 'email\\u200b' contains the invisible character U+200B "
            "(ZERO WIDTH SPACE)"
        ),
    ],
}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config.example.toml")


def _import(engine: Engine, path: Path, config: Config, **options: Any) -> ImportReport:
    return import_influencers(
        engine, path, config=config, clock=CLOCK, options=ImportOptions(**options)
    )


def _lines(errors: Any) -> list[str]:
    return [str(e).replace(str(HOSTILE) + "/", "") for e in errors]


def _count(engine: Engine) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(influencer)).scalar_one())


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_hostile_file_is_refused_with_exact_errors(
    sqlite_db: Engine, config: Config, name: str
) -> None:
    with pytest.raises(ImportRejected) as caught:
        _import(sqlite_db, HOSTILE / name, config)
    assert _lines(caught.value.errors) == REJECTED[name]
    assert _count(sqlite_db) == 0


# invisible.csv: one field per line. Text fields drop zero-width characters, BOM and soft
# hyphens, keep joiners (emoji sequences) and refuse Bidi controls; handles, addresses and URLs
# refuse every invisible character (and blank fillers); C0 and C1 controls are refused
# everywhere.
INVISIBLE = {
    "name zero-width space": (2, "name", "山田花子"),
    "name right-to-left override": (
        3,
        "name",
        "name: contains the invisible direction control U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    "name emoji joiner": (4, "name", "Ken \U0001f469\u200d\U0001f4bb"),
    "name escape": (5, "name", "name: contains control character U+001B"),
    "name C1 control": (6, "name", "name: contains control character U+009B"),
    "handle zero-width space": (
        7,
        "handle",
        "handle: contains the invisible character U+200B (ZERO WIDTH SPACE)",
    ),
    "handle isolate": (
        8,
        "handle",
        "handle: contains the invisible direction control U+2066 (LEFT-TO-RIGHT ISOLATE)",
    ),
    "handle hangul filler": (
        18,
        "handle",
        "handle: contains the invisible character U+3164 (HANGUL FILLER)",
    ),
    "niche byte order mark": (9, "niche", "beauty"),
    "niche embedding": (
        10,
        "niche",
        "niche: contains the invisible direction control U+202A (LEFT-TO-RIGHT EMBEDDING)",
    ),
    "tags word joiner": (11, "tags", ("skincare", "tokyo")),
    "email zero-width space": (
        12,
        "email",
        (
            "email: 'hana\\u200bko@example.jp' contains the invisible character U+200B "
            "(ZERO WIDTH SPACE)"
        ),
    ),
    "email byte order mark": (
        13,
        "email",
        (
            "email: '\\ufeffhanako@example.jp' contains the invisible character U+FEFF "
            "(ZERO WIDTH NO-BREAK SPACE)"
        ),
    ),
    "manager_email mark": (
        14,
        "manager_email",
        (
            "manager_email: 'm\\u200e@example.jp' contains the invisible "
            "character U+200E (LEFT-TO-RIGHT MARK)"
        ),
    ),
    "basis_url zero-width space": (
        15,
        "basis_url",
        "basis_url: contains the invisible character U+200B (ZERO WIDTH SPACE)",
    ),
    "custom field soft hyphen": (16, "favourite_product", "抹茶ラテ"),
    "custom field override": (
        17,
        "favourite_product",
        "favourite_product: contains the invisible direction control U+202D (LEFT-TO-RIGHT OVERRIDE)",
    ),
}


@pytest.fixture(scope="module")
def invisible_import(
    tmp_path_factory: pytest.TempPathFactory, config: Config
) -> tuple[ImportReport, dict[str, Any]]:
    from tests.support.db import sqlite_engine

    engine = sqlite_engine(tmp_path_factory.mktemp("invisible") / "o.db")
    report = _import(engine, HOSTILE / "invisible.csv", config, skip_invalid=True)
    with reading(engine) as conn:
        people = {i.email: i for i in load_influencers(conn)}
    engine.dispose()
    return report, people


@pytest.mark.parametrize("case", sorted(INVISIBLE))
def test_invisible_character_per_field(
    invisible_import: tuple[ImportReport, dict[str, Any]], case: str
) -> None:
    report, people = invisible_import
    line, field, expected = INVISIBLE[case]
    errors = [e for e in _lines(report.errors) if e.startswith(f"invisible.csv:{line}: ")]
    person = people.get(f"p{line - 2}@example.jp")
    if isinstance(expected, str) and expected.startswith(f"{field}: "):
        assert errors[0] == f"invisible.csv:{line}: {expected}"
        assert person is None
        return
    assert errors == []
    assert person is not None
    stored = person.custom.get(field) if field == "favourite_product" else getattr(person, field)
    assert stored == expected


POSTS = {
    "title zero-width space": (2, "stored", "冬のスキンケア"),
    "caption override": (
        3,
        "error",
        (
            "invisible_posts.csv:3: caption: contains the invisible "
            "direction control U+202E (RIGHT-TO-LEFT OVERRIDE)"
        ),
    ),
    "url zero-width space": (
        4,
        "error",
        ("invisible_posts.csv:4: url: contains the invisible character U+200B (ZERO WIDTH SPACE)"),
    ),
    "influencer zero-width space": (5, "stored", "https://instagram.com/p/post3"),
}


@pytest.mark.parametrize("case", sorted(POSTS))
def test_invisible_character_per_post_field(sqlite_db: Engine, config: Config, case: str) -> None:
    _import(sqlite_db, HOSTILE / "invisible.csv", config, skip_invalid=True)
    report = import_posts(
        sqlite_db,
        HOSTILE / "invisible_posts.csv",
        config=config,
        options=ImportOptions(skip_invalid=True),
    )
    line, kind, expected = POSTS[case]
    assert (report.inserted, report.rejected) == (2, 2)
    with reading(sqlite_db) as conn:
        person = find_influencer(conn, "p0@example.jp")
    assert person is not None
    if kind == "error":
        assert expected in _lines(report.errors)
    elif line == 2:
        assert [p.title for p in person.posts if p.url.endswith("post0")] == [expected]
    else:
        assert expected in [p.url for p in person.posts]


def _array(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")


def _person(i: int, **over: Any) -> dict[str, Any]:
    return {
        "name": f"Person {i}",
        "email": f"p{i}@example.jp",
        "platform": "instagram",
        "handle": f"p{i}",
        "followers": 1000 + i,
        "tags": ["a", "b"],
        **over,
    }


def test_json_array_lines_are_right_across_read_chunks(
    sqlite_db: Engine, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read 5 characters at a time, every record straddles chunks; errors still name its line."""
    monkeypatch.setattr(roster_source, "CHUNK_CHARS", 5)
    records = [_person(i) for i in range(300)]
    records[120]["email"] = "not an address"
    records[250]["followers"] = -4
    path = tmp_path / "people.json"
    _array(path, records)
    text = path.read_text(encoding="utf-8")
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line == "  {"]
    report = _import(sqlite_db, path, config, skip_invalid=True)
    assert [str(e).replace(str(path), "people.json") for e in report.errors] == [
        f"people.json:{starts[120]}: email: 'not an address': An email address must have an @-sign.",
        f"people.json:{starts[250]}: followers: '-4' is negative",
    ]
    assert (report.inserted, report.rejected) == (298, 2)
    assert [line for line, _cells in read_rows(path)] == starts


def test_json_array_is_streamed_not_read_whole(tmp_path: Path) -> None:
    """A 3 MB array: the reader holds a chunk and one record, not the file."""
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        fh.write(",\n".join(json.dumps(_person(i, niche="x" * 600)) for i in range(5_000)))
        fh.write("\n]\n")
    assert path.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5_000
    assert peak < 1_000_000


def test_a_bad_file_never_takes_the_write_lock(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    """Another writer holds SQLite's lock: a file with a bad row is refused at once, and a good
    one is validated before it waits for the lock (then written once the lock is free)."""
    holder = sqlite3.connect(
        tmp_path / "outreach.db", isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        with pytest.raises(ImportRejected) as caught:
            _import(sqlite_db, HOSTILE / "huge_number.json", config)
        assert time.monotonic() - start < 2.0  # the busy timeout is 10 s
        assert len(caught.value.errors) == 2
        threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
        report = _import(sqlite_db, HOSTILE / "idn_ascii.csv", config)
        assert report.inserted == 2
    finally:
        holder.close()


def test_idn_addresses_are_stored_as_a_labels_and_both_spellings_are_one_person(
    db: Engine, config: Config
) -> None:
    report = _import(db, HOSTILE / "idn.csv", config, skip_invalid=True)
    assert (report.inserted, report.duplicates, report.rejected) == (2, 1, 1)
    assert _lines(report.errors) == [
        (
            "idn.csv:4: email: 'tarō@example.jp': needs SMTPUTF8, which outreach does not use "
            "(Internationalized characters before the @-sign are not supported: 'ō'.)"
        ),
    ]
    with reading(db) as conn:
        stored = sorted((i.email, i.manager_email) for i in load_influencers(conn))
        by_unicode = find_influencer(conn, "Hanako@例え.JP")
        by_ascii = find_influencer(conn, "hanako@XN--R8JZ45G.jp")
    assert stored == [("hanako@xn--r8jz45g.jp", ""), ("info@xn--bcher-kva.example", "")]
    assert by_unicode is not None and by_ascii is not None and by_unicode.id == by_ascii.id
    again = _import(db, HOSTILE / "idn_ascii.csv", config)
    assert (again.inserted, again.updated, again.unchanged) == (
        0,
        1,
        1,
    )  # HANAKO: case of the local part
    assert _count(db) == 2


def test_idn_manager_address_is_normalised(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "name,email,platform,handle,manager_email\n"
        "Hanako,hanako@example.jp,instagram,hanako,agent@ＢＵＣＨＥＲ.example\n"
        "Misaki,misaki@example.jp,instagram,misaki,agent@bücher.example\n",
        encoding="utf-8",
    )
    assert _import(sqlite_db, path, config).inserted == 2
    with reading(sqlite_db) as conn:
        managers = sorted(i.manager_email for i in load_influencers(conn))
    assert managers == ["agent@bucher.example", "agent@xn--bcher-kva.example"]


def test_idn_address_is_sent_in_its_a_label_form(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    """Imported in Unicode, sent through aiosmtpd: RCPT TO and the To header carry the xn--
    form and the client never asks for SMTPUTF8."""
    sink, handler = smtp_server
    recipients: list[str] = []
    handler.script.rcpt = lambda address: recipients.append(address)  # type: ignore[func-returns-value]
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = sink.port
    config = make_workspace(tmp_path, mailboxes=box)
    roster = tmp_path / "idn.csv"
    roster.write_text(
        "name,email,platform,handle,followers,basis,basis_url,basis_seen_at\n"
        "山田 花子,hanako@例え.jp,instagram,hanako,12000,published_business_address,"
        "https://example.jp/contact,2026-11-01\n",
        encoding="utf-8",
    )
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "influencer,platform,url,title,published_at,likes,comments\n"
        "hanako@例え.jp,instagram,https://instagram.com/p/x,冬のスキンケア,2026-11-20,500,20\n",
        encoding="utf-8",
    )
    assert _import(db, roster, config).inserted == 1
    assert import_posts(db, posts, config=config, options=ImportOptions()).inserted == 1
    enrolled = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=enrolled, rng=random.Random(3))
    at = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)  # Tuesday 09:05 in Tokyo
    clock = FixedClock(at)
    plan_due(db, config, clock, Composer(config), limit=10)

    async def send() -> int:
        transport = SmtpTransport(config.mailboxes)
        try:
            done = await dispatch_once(
                db,
                config,
                clock,
                transport,
                worker="w",
                on_sent=sent_hook(config),
                rng=random.Random(2),
            )
            return done.sent
        finally:
            await transport.close()

    assert asyncio.run(send()) == 1
    assert recipients == ["hanako@xn--r8jz45g.jp"]
    message = email.message_from_bytes(handler.received[0])
    assert str(message["To"]).endswith("<hanako@xn--r8jz45g.jp>")
    assert handler.received[0].isascii()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.chdir(tmp_path)
    assert _cli(capsys, "init", ".")[0] == 0
    return tmp_path


@pytest.mark.parametrize("codec", ["rot13", "punycode", "base64", "unicode_escape", "utf-7"])
def test_cli_refuses_a_codec_that_is_not_a_text_encoding(
    workspace: Path, capsys: pytest.CaptureFixture[str], codec: str
) -> None:
    code, out, err = _cli(
        capsys, "import", "influencers", "roster/influencers.csv", "--encoding", codec
    )
    assert (code, out) == (1, "")
    assert err == (
        f"error: --encoding: {codec!r} is not a text encoding a roster can be written "
        "in (for example utf-8, utf-8-sig or cp932)\n"
    )


def test_cli_hostile_json_is_one_line_per_problem(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = HOSTILE / "deep_nesting.json"
    code, out, err = _cli(capsys, "import", "influencers", str(path))
    assert (code, out) == (1, "")
    assert err == (
        f"{path}:3: json: nested too deeply (a record holds text, numbers or a list of "
        "them)\n1 problem(s); nothing was imported\n"
    )


def test_cli_unreachable_database_is_one_line(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    config = workspace / "config.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\nurl = ") + 1
    end = text.index("\n", start)
    config.write_text(
        text[:start] + f'url = "postgresql+psycopg://postgres@127.0.0.1:{port}/x"' + text[end:],
        encoding="utf-8",
    )
    code, out, err = _cli(capsys, "import", "influencers", "roster/influencers.csv")
    assert (code, out) == (1, "")
    assert err == (
        f"error: config.toml: database.url: cannot use the database: the database is "
        f'unavailable (connection failed: connection to server at "127.0.0.1", port '
        f"{port} failed: Connection refused) (check the URL and that the database "
        "server is running)\n"
    )


def test_unknown_encoding_is_still_named(sqlite_db: Engine, config: Config) -> None:
    with pytest.raises(InputError) as caught:
        _import(sqlite_db, HOSTILE / "idn.csv", config, encoding="klingon")
    assert str(caught.value) == (
        "--encoding: unknown encoding 'klingon' (for example utf-8, utf-8-sig or cp932)"
    )


def test_suppressing_or_forgetting_the_unicode_spelling_covers_the_stored_person(
    sqlite_db: Engine, config: Config
) -> None:
    from outreach.services.roster.importer import forget_address, suppress_address
    from outreach.store.queries.suppression import is_suppressed

    _import(sqlite_db, HOSTILE / "idn_ascii.csv", config)
    assert suppress_address(sqlite_db, "Hanako@例え.JP", reason="opt_out", clock=CLOCK, actor="t")
    with reading(sqlite_db) as conn:
        assert is_suppressed(conn, "hanako@xn--r8jz45g.jp")
    erased = forget_address(sqlite_db, "info@bücher.example", clock=CLOCK, actor="t")
    assert erased.influencers == 1
    with reading(sqlite_db) as conn:
        assert is_suppressed(conn, "info@xn--bcher-kva.example")
        assert [i.email for i in load_influencers(conn)] == ["HANAKO@xn--r8jz45g.jp"]


def test_a_rate_that_reads_as_a_count_but_not_a_number_is_a_row_error(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    # 「0人，」: a count's suffix and a full-width comma; Decimal refused it with an exception
    # the importer did not expect, and the whole import stopped with a traceback.
    path = tmp_path / "rate.csv"
    path.write_text(
        "name,email,platform,handle,followers,engagement_rate,basis\n"
        "山田 花子,hanako@example.jp,instagram,hanako,1200,0人，,consent\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        _import(sqlite_db, path, config)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:2: engagement_rate: '0人，' is not a number"
    ]
    assert _count(sqlite_db) == 0
