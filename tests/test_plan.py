"""Planning due steps into queued outbox rows, and scheduling the next step after a send.

SQLite and PostgreSQL through the `db` fixture; the clock is a FixedClock moved by hand.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, event, insert, select, update

from outreach.clock import FixedClock, naive_utc
from outreach.config import Config
from outreach.domain.sending_day import sending_day
from outreach.domain.stages import Stage
from outreach.render.compose import Composer
from outreach.services.send.dispatch import mailbox_limits
from outreach.services.send.plan import on_sent, plan_due, sent_hook
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries.due import due_enrollments
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.roster import load_influencer
from outreach.store.queries.stages import move_stage_if
from outreach.store.queries.suppression import suppress
from outreach.store.schema import enrollment, mailbox, outbox, post
from outreach.store.session import reading, writing
from tests.support.sequence import add_influencer, main_mailbox, make_workspace
from tests.support.smtp import with_bytes

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)  # Mon 19:20 JST, a holiday
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST)


def _enrol(db: Engine, config: Config, *handles: str) -> dict[str, int]:
    for h in handles:
        add_influencer(db, h)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW, rng=random.Random(3))
    with reading(db) as conn:
        rows = conn.execute(select(enrollment.c.id, enrollment.c.influencer_id)).all()
        return {load_influencer(conn, r.influencer_id).handle: r.id for r in rows}


def _rows(db: Engine) -> list[Any]:
    with reading(db) as conn:
        return conn.execute(with_bytes().order_by(outbox.c.enrollment_id, outbox.c.step)).all()


def _enrollment(db: Engine, eid: int) -> Any:
    with reading(db) as conn:
        return conn.execute(select(enrollment).where(enrollment.c.id == eid)).one()


def _plan(db: Engine, config: Config, at: datetime) -> int:
    return plan_due(db, config, FixedClock(at), Composer(config), limit=100)


def test_due_step_becomes_a_queued_row_with_the_exact_bytes(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "hanako")
    assert _plan(db, config, NOW) == 0  # not due yet
    assert _plan(db, config, TUE_0905) == 1
    (row,) = _rows(db)
    with reading(db) as conn:
        person = load_influencer(conn, _enrollment(db, ids["hanako"]).influencer_id)
    expected = Composer(config).compose(
        load_campaign(config, "spring"),
        person,
        step=1,
        total_steps=2,
        template="pitch",
        now=TUE_0905.astimezone(UTC),
    )
    assert row.raw == expected.raw.replace(expected.message_id.encode(), row.message_id.encode())
    parsed = message_from_bytes(row.raw)
    assert parsed["Message-ID"] == row.message_id
    assert (row.step, row.state, row.mailbox, row.mail_from) == (
        1,
        "queued",
        "main",
        "pr@sakura-beauty.example.jp",
    )
    assert row.rcpt_to == ["hanako@example.jp"] and row.email_norm == "hanako@example.jp"
    assert row.subject == expected.subject
    assert row.due_at == naive_utc(TUE_0905)
    assert row.expires_at == naive_utc(TUE_0905 + timedelta(hours=8))
    assert _enrollment(db, ids["hanako"]).next_due_at is None  # waiting for the send


def test_planning_is_idempotent(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "hanako")
    due_at = _enrollment(db, ids["hanako"]).next_due_at
    assert _plan(db, config, TUE_0905) == 1
    assert _plan(db, config, TUE_0905 + timedelta(minutes=1)) == 0
    # A second planner that read the row before the first wrote: UNIQUE(enrollment_id, step).
    with writing(db) as conn:
        conn.execute(update(enrollment).values(next_due_at=due_at))
    assert _plan(db, config, TUE_0905 + timedelta(minutes=2)) == 0
    assert len(_rows(db)) == 1


def test_reply_or_opt_out_recorded_after_enrolment_stops_the_step(
    db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "replied", "optedout", "negotiating", "fine")
    with writing(db) as conn:
        stop_enrollment(conn, ids["replied"], reason="reply")
        suppress(conn, "optedout@example.jp", reason="opt_out", source="test", at=NOW)
        move_stage_if(
            conn, ids["negotiating"], Stage.NEGOTIATING, cause="reply", at=NOW, check=False
        )
    assert _plan(db, config, TUE_0905) == 1
    assert [r.enrollment_id for r in _rows(db)] == [ids["fine"]]
    assert _enrollment(db, ids["replied"]).stop_reason == "reply"
    opted = _enrollment(db, ids["optedout"])
    assert (opted.status, opted.stop_reason, opted.next_due_at) == ("stopped", "suppressed", None)
    assert _enrollment(db, ids["negotiating"]).stop_reason == "stage negotiating"


def test_one_render_error_does_not_block_the_others(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "hanako", "taro")
    with writing(db) as conn:  # taro's only post disappears: the pitch names `post.label`
        conn.execute(delete(post).where(post.c.url.like("%/taro")))
    assert _plan(db, config, TUE_0905) == 1
    assert [r.enrollment_id for r in _rows(db)] == [ids["hanako"]]
    broken = _enrollment(db, ids["taro"])
    assert broken.status == "error"
    assert "pitch.ja.j2" in broken.stop_reason and "taro" in broken.stop_reason


def test_due_while_the_window_was_shut_waits_for_it_to_open(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "hanako")
    tue_evening = datetime(2026, 11, 24, 20, 0, tzinfo=JST)  # the daemon was down all day
    assert _plan(db, config, tue_evening) == 0
    later = _enrollment(db, ids["hanako"]).next_due_at.replace(tzinfo=UTC)
    wed_9 = datetime(2026, 11, 25, 9, 0, tzinfo=JST)
    assert wed_9 <= later <= wed_9 + timedelta(seconds=120)


def test_on_sent_schedules_the_follow_up_in_window_threaded(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    ids = _enrol(db, config, "hanako")
    eid = ids["hanako"]
    _plan(db, config, TUE_0905)
    # Sent Thursday 17:30 JST: 3 business days -> Tue 1 Dec 17:30 JST, inside the window.
    sent = datetime(2026, 11, 26, 17, 30, tzinfo=JST)
    with writing(db) as conn:
        due = on_sent(conn, config, eid, 1, sent, rng=random.Random(5))
        assert on_sent(conn, config, eid, 1, sent) is None  # a repeat call changes nothing
    dec1 = datetime(2026, 12, 1, 17, 30, tzinfo=JST)
    assert due is not None and dec1 <= due <= dec1 + timedelta(seconds=120)
    state = _enrollment(db, eid)
    assert (state.next_step, state.status) == (2, "active")
    assert state.next_due_at.replace(tzinfo=UTC) == due
    assert _plan(db, config, due + timedelta(seconds=1)) == 1
    first, second = _rows(db)
    follow = message_from_bytes(second.raw)
    assert follow["In-Reply-To"] == first.message_id
    assert second.subject == f"Re: {first.subject}"
    with writing(db) as conn:
        assert on_sent(conn, config, eid, 2, due + timedelta(minutes=1)) is None
    assert (_enrollment(db, eid).status, _enrollment(db, eid).next_step) == ("completed", 3)


def test_business_day_follow_up_after_friday_evening_lands_after_the_weekend(
    db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path)
    eid = _enrol(db, config, "hanako")["hanako"]
    _plan(db, config, TUE_0905)
    friday_evening = datetime(2026, 11, 27, 18, 30, tzinfo=JST)
    with writing(db) as conn:  # as dispatch calls it
        sent_hook(config)(conn, [(eid, 1, friday_evening)])
    due = _enrollment(db, eid).next_due_at.replace(tzinfo=UTC)
    # +3 business days = Wed 2 Dec 18:30, after closing -> Thu 3 Dec 09:00 (+ jitter).
    thu_9 = datetime(2026, 12, 3, 9, 0, tzinfo=JST)
    assert due is not None and thu_9 <= due <= thu_9 + timedelta(seconds=120)


def test_follow_ups_wait_for_a_fresh_inbox_first_pitches_do_not(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(
        tmp_path, mailboxes=main_mailbox(inbox={"source": "maildir", "path": "inbox"})
    )
    ids = _enrol(db, config, "hanako", "taro")
    with writing(db) as conn:
        conn.execute(insert(mailbox).values(name="main", inbox_polled_at=naive_utc(NOW)))
    assert _plan(db, config, TUE_0905) == 2  # first pitches go although the inbox is stale
    sent = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
    with writing(db) as conn:
        due = on_sent(conn, config, ids["hanako"], 1, sent)
    assert due is not None
    after = due + timedelta(seconds=1)
    assert _plan(db, config, after) == 0  # inbox last read a day ago: held
    assert _enrollment(db, ids["hanako"]).next_due_at is not None
    with writing(db) as conn:
        conn.execute(
            update(mailbox).values(inbox_polled_at=naive_utc(after - timedelta(minutes=5)))
        )
    assert _plan(db, config, after) == 1
    assert [r.step for r in _rows(db)] == [1, 2, 1]


def test_a_paused_enrollment_waits_for_resume_however_long(db: Engine, tmp_path: Path) -> None:
    """An out-of-office keeps the enrollment active and moves its due time; `paused` is the
    operator's hold (`outreach pause`), never due by itself."""
    config = make_workspace(tmp_path)
    eid = _enrol(db, config, "hanako")["hanako"]
    back = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
    with writing(db) as conn:
        conn.execute(update(enrollment).values(status="paused", next_due_at=naive_utc(back)))
    assert _plan(db, config, TUE_0905) == 0
    assert _plan(db, config, back + timedelta(days=30)) == 0
    assert _enrollment(db, eid).status == "paused"


def test_the_due_scan_reads_the_status_due_index(sqlite_db: Engine) -> None:
    """Its cost must follow what is due, not the roster (bench/tick.py measures it)."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    with reading(sqlite_db) as conn:
        event.listen(conn, "before_cursor_execute", capture)
        assert due_enrollments(conn, now=NOW, limit=10, hold_followups=["main"]) == []
        event.remove(conn, "before_cursor_execute", capture)
        ((statement, params),) = seen
        plan = " ".join(
            str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        )
    assert "ix_enrollment_due" in plan, plan


def test_two_planners_at_once_queue_each_step_once(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    handles = [f"user{i}" for i in range(12)]
    _enrol(db, config, *handles)
    counts: list[int] = []
    errors: list[BaseException] = []

    def planner() -> None:
        try:
            counts.append(_plan(db, config, TUE_0905))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(counts) == len(handles)
    rows = _rows(db)
    assert len(rows) == len(handles)
    assert len({(r.enrollment_id, r.step) for r in rows}) == len(handles)


def test_no_more_is_planned_than_the_mailboxs_daily_cap_can_send(
    db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path, mailboxes=main_mailbox(limits={"daily_cap": 2}))
    ids = _enrol(db, config, "hanako", "taro", "jiro")
    assert _plan(db, config, TUE_0905) == 2
    assert _plan(db, config, TUE_0905 + timedelta(minutes=5)) == 0  # two queued fill the day
    waiting = [h for h, eid in ids.items() if _enrollment(db, eid).next_due_at is not None]
    assert len(waiting) == 1
    wed = datetime(2026, 11, 25, 9, 5, tzinfo=JST)  # a new UTC day
    assert _plan(db, config, wed) == 0  # the two queued rows still have to go out first
    with writing(db) as conn:
        conn.execute(update(outbox).values(state="sent", sent_at=naive_utc(TUE_0905)))
    assert _plan(db, config, wed) == 1
    assert len(_rows(db)) == 3


def test_the_planner_counts_the_cap_by_the_sending_day_as_dispatch_does(
    db: Engine, tmp_path: Path
) -> None:
    """Around midnight JST the UTC day and the sending day differ: the planner must fill the
    same day dispatch's cap counts, or it queues rows the cap then holds overnight."""
    config = make_workspace(
        tmp_path,
        mailboxes=main_mailbox(limits={"daily_cap": 1}),
        sending={
            "observe_holidays": False,
            "window": {
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": "00:00:00",
                "end": "23:59:00",
            },
        },
    )
    _enrol(db, config, "hanako", "taro")
    tue_0830 = datetime(2026, 11, 24, 8, 30, tzinfo=JST)  # Mon 23:30 UTC
    assert _plan(db, config, tue_0830) == 1
    with writing(db) as conn:
        conn.execute(update(outbox).values(state="sent", sent_at=naive_utc(tue_0830)))
    tue_0930 = datetime(2026, 11, 24, 9, 30, tzinfo=JST)  # Tue 00:30 UTC: a new UTC day
    assert sending_day(config, tue_0930) == sending_day(config, tue_0830)
    assert mailbox_limits(config, tue_0930)["main"].today == sending_day(config, tue_0930)
    assert _plan(db, config, tue_0930) == 0  # Tuesday in Tokyo already used its one send
    wed_0030 = datetime(2026, 11, 25, 0, 30, tzinfo=JST)  # still Tuesday 15:30 in UTC
    assert _plan(db, config, wed_0030) == 1
