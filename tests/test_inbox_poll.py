"""`outreach inbox poll` against a real IMAP server (pymap) loaded with the fixture corpus:
every fixture's classification and effect, polling twice, UIDVALIDITY change, read-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import Engine, select

from outreach.clock import FixedClock, utc
from outreach.inbound import parse_and_classify
from outreach.services.inbox.poll import poll
from outreach.store.schema import inbound, mailbox
from outreach.store.session import reading
from tests.support.corpus_effects import (
    assert_effect,
    enrollment_row,
    seed_corpus,
    snapshot,
    stored_kind,
)
from tests.support.imap import (
    USER,
    ImapServer,
    imap_settings,
    implicit_tls,
    running_imap,
)
from tests.support.inbox import T0, enrol, make_config
from tests.support.mail_corpus import expected, raw


@pytest.fixture
def imap_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapServer]:
    with running_imap(tmp_path, monkeypatch) as server:
        yield server


def imap_config(tmp_path: Path, server: ImapServer) -> Any:
    return make_config(tmp_path, imap_settings(server.port))


def tls_files(sqlite_db: Engine, tmp_path: Path) -> Path:
    """A server certificate for 127.0.0.1 from a test CA (its PEM in ca.pem), and the enrolment
    that the fixture reply answers; returns the server's key-and-chain PEM."""
    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    enrol(sqlite_db, "hanako@example.jp", message_id="<20261120010000.a1b2c3@brand.example>")
    return pem


def test_corpus_over_imap_classifies_and_applies_every_effect_once(
    sqlite_db: Engine, tmp_path: Path, imap_server: ImapServer
) -> None:
    engine = sqlite_db
    specs = expected()
    seeded = seed_corpus(engine)
    names = sorted(specs)
    imap_server.append(raw(n) for n in names)
    flags_before = imap_server.flags()
    config = imap_config(tmp_path, imap_server)
    clock = FixedClock(T0)

    report = poll(engine, config, clock)

    assert report.errors == {}
    assert report.read == len(names)
    # postfix_5_1_1_cr_only.eml is the same DSN (same Message-ID) with CR line endings.
    assert report.duplicates == 1
    assert sum(report.kinds.values()) == len(names) - 1
    with reading(engine) as conn:
        rows = {r.message_id: r for r in conn.execute(select(inbound))}
        polled = conn.execute(select(mailbox.c.inbox_polled_at, mailbox.c.inbox_error)).one()
    assert utc(polled.inbox_polled_at) == T0 and polled.inbox_error == ""
    for name in names:
        eid, found = seeded[name]
        stored = rows[found.message_id]
        assert stored.kind == stored_kind(found, specs[name]), name
        assert stored.enrollment_id == eid, name
        assert_effect(engine, name, eid, found, specs[name], T0)
    assert "ぜひ" in rows[parse_and_classify(raw("reply_ja_quoted_footer.eml")).message_id].text
    # Read-only: no flag changed on the server (BODY.PEEK, readonly SELECT).
    assert imap_server.flags() == flags_before

    before = snapshot(engine)
    again = poll(engine, config, clock)
    assert (again.read, again.new) == (0, 0)  # the UID n:* quirk: nothing re-read
    assert snapshot(engine) == before

    # A rebuilt server: new UIDVALIDITY, new UIDs, same messages -> everything re-read, nothing applied.
    old_validity = imap_server.uidvalidity()
    imap_server.restart()
    imap_server.append(raw(n) for n in names)
    assert imap_server.uidvalidity() != old_validity
    clock.advance(timedelta(hours=1))
    rescan = poll(engine, config, clock)
    assert (rescan.read, rescan.new, rescan.duplicates) == (len(names), 0, len(names))
    after = snapshot(engine)
    assert after == before


def test_new_mail_after_a_poll_is_read_once(
    sqlite_db: Engine, tmp_path: Path, imap_server: ImapServer
) -> None:
    eid = enrol(sqlite_db, "hanako@example.jp", message_id="<20261120010000.a1b2c3@brand.example>")
    config = imap_config(tmp_path, imap_server)
    clock = FixedClock(T0)
    assert poll(sqlite_db, config, clock).read == 0
    imap_server.append([raw("reply_ja_quoted_footer.eml")])
    report = poll(sqlite_db, config, clock)
    assert (report.read, dict(report.kinds)) == (1, {"reply": 1})
    assert enrollment_row(sqlite_db, eid).stage == "negotiating"
    assert poll(sqlite_db, config, clock).read == 0


def test_unreachable_server_is_recorded_and_keeps_last_good_time(
    sqlite_db: Engine, tmp_path: Path, imap_server: ImapServer
) -> None:
    config = imap_config(tmp_path, imap_server)
    clock = FixedClock(T0)
    poll(sqlite_db, config, clock)
    imap_server.stop()
    clock.advance(timedelta(minutes=5))
    report = poll(sqlite_db, config, clock)
    assert "main" in report.errors
    with reading(sqlite_db) as conn:
        row = conn.execute(select(mailbox.c.inbox_polled_at, mailbox.c.inbox_error)).one()
    assert utc(row.inbox_polled_at) == T0
    assert row.inbox_error and USER not in row.inbox_error and "demopass" not in row.inbox_error


def test_mark_seen_sets_the_seen_flag_only_when_configured(
    sqlite_db: Engine, tmp_path: Path, imap_server: ImapServer
) -> None:
    imap_server.append([raw("reply_en_quoted_footer.eml")])
    cfg = imap_config(tmp_path, imap_server)
    poll(sqlite_db, cfg, FixedClock(T0))
    assert all(b"\\Seen" not in f for f in imap_server.flags().values())
    seen_cfg = make_config(
        tmp_path, {**cfg.mailboxes["main"].inbox.model_dump(), "mark_seen": True}
    )
    imap_server.append([raw("sjis_reply.eml")])
    poll(sqlite_db, seen_cfg, FixedClock(T0))
    flags = imap_server.flags()
    assert [b"\\Seen" in f for _, f in sorted(flags.items())] == [False, True]


def test_starttls_verifies_the_certificate(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = tls_files(sqlite_db, tmp_path)
    with running_imap(tmp_path, monkeypatch, cert=pem) as server:
        server.append([raw("reply_ja_quoted_footer.eml")])
        inbox = imap_settings(server.port, "starttls")
        untrusted = poll(sqlite_db, make_config(tmp_path, inbox), FixedClock(T0))
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.errors["main"] and untrusted.read == 0
        trusted = make_config(tmp_path, {**inbox, "ca_file": "ca.pem"})
        report = poll(sqlite_db, trusted, FixedClock(T0))
    assert (report.errors, dict(report.kinds)) == ({}, {"reply": 1})


def test_implicit_tls_verifies_the_certificate(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`security = "tls"` (the default): TLS from the first byte, as on port 993."""
    pem = tls_files(sqlite_db, tmp_path)
    with running_imap(tmp_path, monkeypatch) as server, implicit_tls(server.port, pem) as port:
        server.append([raw("reply_ja_quoted_footer.eml")])
        inbox = imap_settings(port, "tls")
        untrusted = poll(sqlite_db, make_config(tmp_path, inbox), FixedClock(T0))
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.errors["main"] and untrusted.read == 0
        # The two wrong settings: cleartext to the TLS port, TLS to the cleartext one.
        cleartext = make_config(tmp_path, {**inbox, "security": "none", "timeout": 1})
        assert (
            'set mailboxes.main.inbox.security = "tls"'
            in poll(sqlite_db, cleartext, FixedClock(T0)).errors["main"]
        )
        tls_to_plain = make_config(tmp_path, {**inbox, "port": server.port, "ca_file": "ca.pem"})
        assert (
            'inbox.security = "starttls"'
            in poll(sqlite_db, tls_to_plain, FixedClock(T0)).errors["main"]
        )
        trusted = make_config(tmp_path, {**inbox, "ca_file": "ca.pem"})
        report = poll(sqlite_db, trusted, FixedClock(T0))
    assert (report.errors, dict(report.kinds)) == ({}, {"reply": 1})
