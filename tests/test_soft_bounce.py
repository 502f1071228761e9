"""Transient bounces are counted per address: [inbox] soft_bounce_limit of them within
soft_bounce_days suppress it (reason soft_bounce_limit); a success report (RFC 3464 Action:
delivered) for the address in between starts the count again and is never a bounce."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from outreach.clock import FixedClock
from outreach.config import InboxConfig
from outreach.domain.return_path import sign
from outreach.services.inbox.poll import import_files
from outreach.store.schema import inbound, suppression
from outreach.store.session import reading
from tests.support.corpus_effects import enrollment_row, queued_follow_up
from tests.support.inbox import T0, enrol, make_config
from tests.support.mail_corpus import MAIL_DIR

DELAYED = MAIL_DIR / "postfix_4_2_2_delayed.eml"  # 4.2.2 mailbox full for mika@example.ne.jp
OURS = "<20261125092010.d52fa0@brand.example>"  # the message it quotes
MIKA = "mika@example.ne.jp"
DSN_ID = "<20261125132107.4Xl7Qp2c1Rz9vCd@mail.brand.example>"


def report(tmp_path: Path, n: int, *, success: bool = False, recipient: str = MIKA) -> Path:
    """The delayed-delivery DSN with its own Message-ID (a separate report), or its success form."""
    text = DELAYED.read_text(encoding="utf-8").replace(DSN_ID, f"<dsn{n}@mail.brand.example>")
    if success:
        text = text.replace("Action: delayed", "Action: delivered").replace(
            "Status: 4.2.2", "Status: 2.0.0"
        )
    text = text.replace(MIKA, recipient)
    path = tmp_path / f"dsn{n}.eml"
    path.write_text(text, encoding="utf-8")
    return path


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    with reading(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(inbound.c.kind, inbound.c.recipient_norm, inbound.c.bounce_reason).order_by(
                    inbound.c.id
                )
            )
        ]


def suppressions(engine: Engine) -> list[Any]:
    with reading(engine) as conn:
        return list(conn.execute(select(suppression)).all())


def test_the_third_transient_bounce_in_the_window_suppresses(db: Engine, tmp_path: Path) -> None:
    eid = enrol(db, MIKA, message_id=OURS)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    for n in (1, 2):
        import_files(db, config, clock, [report(tmp_path, n)])
        clock.advance(timedelta(days=5))
    assert suppressions(db) == []
    row = enrollment_row(db, eid)
    assert (row.status, row.stage, queued_follow_up(db, eid).state) == (
        "active",
        "contacted",
        "queued",
    )
    with reading(db) as conn:
        effects = list(conn.execute(select(inbound.c.effect).order_by(inbound.c.id)).scalars())
    assert effects == [
        f"temporary bounce 4.2.2 mailboxfull: {MIKA} 1 of 3 in 14 days; nothing stopped",
        f"temporary bounce 4.2.2 mailboxfull: {MIKA} 2 of 3 in 14 days; nothing stopped",
    ]
    import_files(db, config, clock, [report(tmp_path, 3)])  # day 10: three within 14 days
    [entry] = suppressions(db)
    with reading(db) as conn:
        third = conn.execute(
            select(inbound.c.id).where(inbound.c.dedupe_key == "<dsn3@mail.brand.example>")
        ).scalar_one()
    assert (entry.email_norm, entry.reason, entry.inbound_id) == (MIKA, "soft_bounce_limit", third)
    assert (entry.evidence["status"], entry.evidence["bounce_reason"], entry.evidence["count"]) == (
        "4.2.2",
        "mailboxfull",
        3,
    )
    assert entry.evidence["message_id"] == OURS
    row = enrollment_row(db, eid)
    assert (row.status, row.stage, queued_follow_up(db, eid).state) == (
        "stopped",
        "bounced",
        "cancelled",
    )
    assert rows(db) == [("bounce", MIKA, "mailboxfull")] * 3


def test_bounces_older_than_the_window_do_not_count(sqlite_db: Engine, tmp_path: Path) -> None:
    enrol(sqlite_db, MIKA, message_id=OURS)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    for n in (1, 2, 3):
        import_files(sqlite_db, config, clock, [report(tmp_path, n)])
        clock.advance(timedelta(days=8))  # day 0, 8, 16: at most two within any 14 days
    assert suppressions(sqlite_db) == []


def test_a_success_report_in_between_starts_the_count_again(db: Engine, tmp_path: Path) -> None:
    eid = enrol(db, MIKA, message_id=OURS)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    for n, success in ((1, False), (2, False), (3, True), (4, False), (5, False)):
        import_files(db, config, clock, [report(tmp_path, n, success=success)])
        clock.advance(timedelta(hours=1))
    assert suppressions(db) == []
    assert rows(db) == [
        ("bounce", MIKA, "mailboxfull"),
        ("bounce", MIKA, "mailboxfull"),
        ("delivered", MIKA, "delivered"),  # never a bounce
        ("bounce", MIKA, "mailboxfull"),
        ("bounce", MIKA, "mailboxfull"),
    ]
    assert enrollment_row(db, eid).status == "active"
    import_files(db, config, clock, [report(tmp_path, 6)])  # the third after the success
    assert [(e.email_norm, e.reason) for e in suppressions(db)] == [(MIKA, "soft_bounce_limit")]


def test_a_success_report_naming_someone_else_resets_nothing(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """Like a bounce, a success report counts only for the recipient our message went to."""
    enrol(sqlite_db, MIKA, message_id=OURS)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    import_files(sqlite_db, config, clock, [report(tmp_path, 1), report(tmp_path, 2)])
    import_files(
        sqlite_db, config, clock, [report(tmp_path, 3, success=True, recipient="x@evil.example")]
    )
    import_files(sqlite_db, config, clock, [report(tmp_path, 4)])
    assert [(e.email_norm, e.reason) for e in suppressions(sqlite_db)] == [
        (MIKA, "soft_bounce_limit")
    ]


@pytest.mark.parametrize("limit", [1, 2])
def test_the_limit_and_window_are_configurable(
    sqlite_db: Engine, tmp_path: Path, limit: int
) -> None:
    enrol(sqlite_db, MIKA, message_id=OURS)
    base = make_config(tmp_path, {"source": "none"})
    config = base.model_copy(
        update={"inbox": InboxConfig(soft_bounce_limit=limit, soft_bounce_days=1)}
    )
    clock = FixedClock(T0)
    import_files(sqlite_db, config, clock, [report(tmp_path, 1)])
    assert len(suppressions(sqlite_db)) == (1 if limit == 1 else 0)
    clock.advance(timedelta(hours=23))
    import_files(sqlite_db, config, clock, [report(tmp_path, 2)])
    assert len(suppressions(sqlite_db)) == 1


def test_a_success_report_tied_only_by_its_signed_return_path_counts(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A success DSN that quotes nothing of our message, sent back to its return path."""
    key = "soft-bounce-test-return-path-key-0123456789"
    monkeypatch.setenv("OUTREACH_RETURN_PATH_SECRET", key)
    ours = "<00112233445566778899aabbccddeeff@brand.example>"
    enrol(sqlite_db, MIKA, message_id=ours)
    base = make_config(tmp_path, {"source": "none"})
    box = base.mailboxes["main"].model_copy(update={"return_path": "bounces+{token}@brand.example"})
    config = base.model_copy(update={"mailboxes": {"main": box}})
    envelope = sign("bounces+{token}@brand.example", key.encode(), ours)
    clock = FixedClock(T0)
    bounces = [
        report(tmp_path, n).read_text(encoding="utf-8").replace(OURS, ours) for n in (1, 2, 4, 5)
    ]
    for n, text in zip((1, 2, 4, 5), bounces, strict=True):
        (tmp_path / f"dsn{n}.eml").write_text(text, encoding="utf-8")
    success = (
        f"Return-Path: <>\nDelivered-To: {envelope}\nFrom: MAILER-DAEMON@mail.brand.example\n"
        f"To: {envelope}\nSubject: Successful Mail Delivery Report\nMessage-ID: <ok1@mail.brand.example>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nYour message was delivered.\n\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.brand.example\n\n"
        f"Final-Recipient: rfc822; {MIKA}\nAction: delivered\nStatus: 2.0.0\n\n--b--\n"
    )
    (tmp_path / "ok.eml").write_text(success, encoding="utf-8")
    paths = [tmp_path / n for n in ("dsn1.eml", "dsn2.eml", "ok.eml", "dsn4.eml", "dsn5.eml")]
    for path in paths:
        import_files(sqlite_db, config, clock, [path])
    assert [r[0] for r in rows(sqlite_db)] == ["bounce", "bounce", "delivered", "bounce", "bounce"]
    assert suppressions(sqlite_db) == []  # two since the success report, not four
