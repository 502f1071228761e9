"""`outreach schedule` streamed: the same sends as a whole-horizon simulation, for any prefix,
at a cost that follows what is asked (rows read, events handled)."""

from __future__ import annotations

import heapq
import itertools
import json
import random
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Engine, insert, select

from outreach.cli import cli
from outreach.cli.app import emit_stream
from outreach.clock import FixedClock, naive_utc, utc
from outreach.config import Config, load_config
from outreach.domain.sending_day import day_start, next_day_start, sending_day
from outreach.domain.sequence import Sequence, Step
from outreach.domain.windows import next_send_time
from outreach.errors import UserError
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.files import Recipient, recipient_of, sequence_or_error, window_for
from outreach.services.sequence.schedule import HORIZON_DAYS, ScheduleRun, schedule
from outreach.store.queries import due as due_q
from outreach.store.queries import enrollment as enrollment_q
from outreach.store.queries import schedule as q
from outreach.store.schema import campaign, enrollment, influencer, outbox
from outreach.store.session import reading, writing
from tests.support.db import sqlite_engine
from tests.support.workspace import CONFIG_TOML, build_workspace, campaign_toml

NOW = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)  # Thu 24 Dec 10:00 in Tokyo; 年末年始 is near
QUEUED, SPILLED = 7, 8  # positions of Send.queued and Send.spilled in its tuple
QUICK = """\
description = "Pitch, a nudge the next day in the early afternoon, a last word two hours later"
[[step]]
template = "pitch"
delay = "0m"
[[step]]
template = "followup1"
delay = "1d"
window = { start = "13:00", end = "15:00" }
[[step]]
template = "followup1"
delay = "2h"
"""
GONE = """\
[[step]]
template = "no-such-template"
delay = "0m"
"""
STANDARD3 = """\
description = "Pitch, then two follow-ups"
[[step]]
template = "pitch"
delay = "0m"
[[step]]
template = "followup1"
delay = "3 business days"
[[step]]
template = "followup1"
delay = "2 business days"
"""
PLACES = [
    ("", ""),
    ("", "JP"),
    ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"),
    ("Australia/Sydney", "AU"),
    ("Mars/Olympus", "JP"),
]  # the last falls back to Tokyo
CAMPAIGNS = {
    "spring": ("standard", "main"),
    "autumn": ("quick", "main"),
    "winter": ("standard", "other"),
}


# The whole-horizon simulation as `schedule` ran it before it streamed: the reference.


@dataclass(order=True)
class _Event:
    at: datetime
    fresh: bool
    order: int
    pending: tuple[Any, ...] = field(compare=False)
    step: Step = field(compare=False)
    where: Recipient = field(compare=False)
    queued: bool = field(compare=False, default=False)


def _pending_on(conn: Connection, mailbox: str) -> list[tuple[Any, ...]]:
    waiting = outbox.alias("waiting")
    rows = conn.execute(
        select(
            enrollment.c.id,
            campaign.c.slug,
            influencer.c.handle,
            influencer.c.platform,
            influencer.c.timezone,
            influencer.c.country,
            enrollment.c.sequence,
            enrollment.c.mailbox,
            enrollment.c.next_step,
            enrollment.c.next_due_at,
            waiting.c.due_at,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(
            waiting,
            (waiting.c.enrollment_id == enrollment.c.id)
            & (waiting.c.step == enrollment.c.next_step)
            & waiting.c.state.in_(q.UNSENT_STATES),
        )
        .where(enrollment.c.mailbox == mailbox, enrollment.c.status.in_(due_q.DUE_STATUSES))
        .order_by(enrollment.c.id)
    )
    return [(*r[:9], utc(r[9]) if r[9] else None, utc(r[10]) if r[10] else None) for r in rows]


def reference(
    engine: Engine, config: Config, slug: str, now: datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """(sends as tuples of Send's fields, unplanned) by the heap simulation of every event."""
    camp = load_campaign(config, slug)
    mailbox, cap = camp.mailbox, config.mailbox(camp.mailbox).limits.daily_cap
    sends: list[tuple[Any, ...]] = []
    unplanned: list[tuple[str, str]] = []
    with reading(engine) as conn:
        pending = _pending_on(conn, mailbox)
        unplanned += [
            (h, f"{s}: {r}" if r else s) for h, s, r in enrollment_q.halted(conn, camp.slug)
        ]
        today = sending_day(config, now)
        used: dict[date, int] = {
            today: q.sent_since(conn, [mailbox], day_start(config, today)).get(mailbox, 0)
        }
    sequences: dict[str, Sequence | UserError] = {}
    events: list[_Event] = []
    for order, p in enumerate(pending):
        _, p_slug, handle, _, tz, country, seq_name, _, next_step, due, queued_at = p
        seq = sequence_or_error(config, seq_name, sequences)
        mine = p_slug == camp.slug
        step = seq.step(next_step) if isinstance(seq, Sequence) else None
        if step is None:
            if mine:
                unplanned.append(
                    (
                        handle,
                        str(seq)
                        if isinstance(seq, UserError)
                        else f"no step {next_step} in {seq_name}",
                    )
                )
            continue
        where = recipient_of(config, tz, country)
        start = queued_at or due
        if start is None:
            if mine:
                unplanned.append((handle, f"step {next_step} waits for a send"))
            continue
        at = next_send_time(
            max(start, now),
            window_for(config, step),
            tz=where.tz,
            country=where.country,
            closed=where.closed,
        )
        events.append(_Event(at, True, order, p, step, where, queued=queued_at is not None))
    heapq.heapify(events)
    horizon = now + timedelta(days=HORIZON_DAYS)
    while events:
        ev = heapq.heappop(events)
        day = sending_day(config, ev.at)
        if used.get(day, 0) >= cap:
            later = next_send_time(
                next_day_start(config, day),
                window_for(config, ev.step),
                tz=ev.where.tz,
                country=ev.where.country,
                closed=ev.where.closed,
            )
            if later <= horizon:
                heapq.heappush(
                    events, _Event(later, False, ev.order, ev.pending, ev.step, ev.where, ev.queued)
                )
            elif ev.pending[1] == camp.slug:
                unplanned.append((ev.pending[2], "beyond a year at this cap"))
            continue
        used[day] = used.get(day, 0) + 1
        p = ev.pending
        if p[1] == camp.slug:
            sends.append(
                (
                    p[2],
                    p[3],
                    ev.step.number,
                    ev.step.template,
                    ev.at,
                    ev.where.tz,
                    p[7],
                    ev.queued,
                    not ev.fresh,
                    "",  # no variants in these sequences
                )
            )
        seq = sequences[p[6]]
        following = seq.step(ev.step.number + 1) if isinstance(seq, Sequence) else None
        if following is not None:
            after = following.delay.after(
                ev.at, tz=ev.where.tz, country=ev.where.country, closed=ev.where.closed
            )
            at = next_send_time(
                after,
                window_for(config, following),
                tz=ev.where.tz,
                country=ev.where.country,
                closed=ev.where.closed,
            )
            heapq.heappush(events, _Event(at, True, ev.order, p, following, ev.where))
    return sends, unplanned


def workspace(base: Path, caps: tuple[int, int]) -> Config:
    """Two mailboxes with small caps, three campaigns, 年末年始, お盆 and a one-off closure."""
    config_toml = (
        CONFIG_TOML
        + f"""\
[mailboxes.main.limits]
daily_cap = {caps[0]}
[mailboxes.other]
from_address = "hello@sakura-beauty.example.jp"
[mailboxes.other.smtp]
host = "127.0.0.1"
port = 8025
security = "none"
[mailboxes.other.limits]
daily_cap = {caps[1]}
[sending]
closed = ["12-29..01-03", "2027-01-08", "08-13..08-16"]
"""
    )
    built = build_workspace(
        base,
        config_toml=config_toml,
        sequences={"standard": STANDARD3, "quick": QUICK, "gone": GONE},
        campaigns={
            slug: campaign_toml(seq).replace('mailbox = "main"', f'mailbox = "{box}"')
            for slug, (seq, box) in CAMPAIGNS.items()
        },
    )
    return load_config(built.config_path)


def seed(engine: Engine, rng: random.Random, people: int, days: tuple[int, int] = (-3, 12)) -> None:
    """People in several zones enrolled in campaigns sharing mailboxes, in every state, their
    steps due over `days` around NOW."""
    created = naive_utc(NOW - timedelta(days=20))
    with writing(engine) as conn:
        ids = {}
        for slug in CAMPAIGNS:
            ids[slug] = conn.execute(
                insert(campaign).values(slug=slug, created_at=created).returning(campaign.c.id)
            ).scalar_one()
        conn.execute(
            insert(influencer),
            [
                {
                    "id": i,
                    "name": f"花子{i}",
                    "email": f"p{i}@example.jp",
                    "email_norm": f"p{i}@example.jp",
                    "platform": "instagram",
                    "handle": f"p{i}",
                    "timezone": PLACES[i % len(PLACES)][0],
                    "country": PLACES[i % len(PLACES)][1],
                    "tags": [],
                    "custom": {},
                    "created_at": created,
                    "updated_at": created,
                }
                for i in range(1, people + 1)
            ],
        )
        rows, boxes = [], []
        eid = 0
        for i in range(1, people + 1):
            for slug in rng.sample(list(CAMPAIGNS), rng.choice((1, 1, 2))):
                eid += 1
                seq, box = CAMPAIGNS[slug]
                roll = rng.random()
                status = (
                    "active"
                    if roll < 0.85
                    else rng.choice(("stopped", "paused", "error", "completed"))
                )
                seq = "gone" if roll < 0.02 else "nosuch" if roll < 0.03 else seq
                step = 5 if 0.03 <= roll < 0.04 else rng.choice((1, 1, 1, 2))
                due: datetime | None = NOW + timedelta(
                    minutes=rng.randrange(days[0] * 1440, days[1] * 1440)
                )
                if rng.random() < 0.15:  # round times: several steps at one instant
                    due = NOW.replace(minute=0) + timedelta(hours=rng.randrange(-30, 200))
                state = None
                kind = rng.random()
                if kind < 0.1:
                    due, state = None, rng.choice(("queued", "retry", "claimed"))
                elif kind < 0.13:
                    state = "queued"  # a stale next_due_at beside a queued row: the row wins
                elif kind < 0.16:
                    due = None  # its step went out and waits to be settled
                rows.append(
                    {
                        "id": eid,
                        "campaign_id": ids[slug],
                        "influencer_id": i,
                        "sequence": seq,
                        "mailbox": box,
                        "next_step": step,
                        "next_due_at": naive_utc(due) if due else None,
                        "status": status,
                        "stop_reason": "reply" if status == "stopped" else "",
                        "stage_changed_at": created,
                        "created_at": created,
                    }
                )
                if state is not None:
                    boxes.append(
                        _outbox(
                            eid, step, box, state, NOW + timedelta(minutes=rng.randrange(-600, 900))
                        )
                    )
                if rng.random() < 0.05:  # sent earlier today: counts against today's cap
                    boxes.append(_outbox(eid, step + 10, box, "sent", NOW - timedelta(minutes=30)))
        conn.execute(insert(enrollment), rows)
        conn.execute(insert(outbox), boxes)


def _outbox(eid: int, step: int, box: str, state: str, due: datetime) -> dict[str, Any]:
    at = naive_utc(NOW - timedelta(days=1))
    return {
        "enrollment_id": eid,
        "step": step,
        "mailbox": box,
        "mail_from": "pr@example.jp",
        "rcpt_to": [f"e{eid}@example.jp"],
        "email_norm": f"e{eid}@example.jp",
        "message_id": f"<{eid}.{step}@example.jp>",
        "state": state,
        "due_at": naive_utc(due),
        "created_at": at,
        "updated_at": at,
        "sent_at": naive_utc(NOW - timedelta(minutes=30)) if state == "sent" else None,
    }


@pytest.mark.parametrize(("seed_no", "caps"), [(1, (4, 1)), (2, (9, 2)), (3, (2, 3))])
def test_same_sends_and_unplanned_as_the_whole_horizon_simulation(
    db: Engine, tmp_path: Path, seed_no: int, caps: tuple[int, int]
) -> None:
    config = workspace(tmp_path, caps)
    seed(db, random.Random(seed_no), 90)
    reasons: set[str] = set()
    spills = queued = 0
    for slug in CAMPAIGNS:
        want_sends, want_unplanned = reference(db, config, slug, NOW)
        reasons |= {why.split(":")[0].split(" in ")[0] for _, why in want_unplanned}
        spills += sum(s[SPILLED] for s in want_sends)
        queued += sum(s[QUEUED] for s in want_sends)
        timeline = schedule(db, config, slug, NOW)
        assert [astuple(s) for s in timeline.sends] == want_sends
        assert timeline.unplanned == want_unplanned
        assert sum(s[SPILLED] for s in want_sends) == timeline.spilled
        for first in (0, 1, 7, 40):
            with ScheduleRun(db, config, slug, NOW) as run:
                assert [astuple(s) for s in itertools.islice(run, first)] == want_sends[:first]
                assert run.count == min(first, len(want_sends))
    # The scenario reaches what it is meant to: spills, queued rows, a year's horizon, and
    # every reason an enrollment is not simulated.
    assert spills and queued
    assert {"stopped", "paused", "error", "no step 5", "sequences/gone.toml"} <= reasons
    assert any(why.endswith("waits for a send") for why in reasons)


def test_the_first_sends_read_and_handle_only_what_they_need(db: Engine, tmp_path: Path) -> None:
    config = workspace(tmp_path, (3, 1))
    seed(db, random.Random(7), 400, days=(0, 120))
    with reading(db) as conn:
        pending = _pending_on(conn, "main")
    want, _ = reference(db, config, "spring", NOW)
    with ScheduleRun(db, config, "spring", NOW) as run:
        assert [astuple(s) for s in itertools.islice(run, 5)] == want[:5]
        assert not run.finished
        # Read in time order, only as far as the fifth send's time: what could come before it.
        fifth = want[4][4]
        assert run.read == sum(max(p[10] or p[9], NOW) <= fifth for p in pending if p[10] or p[9])
        assert run.read < len(pending) // 2
    with ScheduleRun(db, config, "spring", NOW) as run:
        assert len(list(run)) == len(want) and run.finished
        assert run.read == sum(1 for p in pending if p[10] or p[9])
        # Held-back steps move a day at a time as one backlog per calendar, not one by one:
        # the events taken stay near the steps simulated, far below steps x days waited.
        assert run.events < 3 * run.steps + 10 * HORIZON_DAYS
    # A cap of one a day on `other`: a year is not enough for everyone.
    want, unplanned = reference(db, config, "winter", NOW)
    timeline = schedule(db, config, "winter", NOW)
    assert [astuple(s) for s in timeline.sends] == want and timeline.unplanned == unplanned
    assert sum(why == "beyond a year at this cap" for _, why in unplanned) > 10


def test_cli_limit_prints_the_first_rows_and_says_the_rest_was_not_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("outreach.cli.sequences.SystemClock", lambda: FixedClock(NOW))
    config = workspace(tmp_path, (4, 1))
    engine = sqlite_engine(tmp_path / "outreach.db")
    seed(engine, random.Random(1), 90)
    want, want_unplanned = reference(engine, config, "spring", NOW)
    engine.dispose()
    args = ["--config", str(tmp_path / "config.toml"), "schedule", "spring", "--format", "json"]
    limited = CliRunner().invoke(cli, [*args, "--limit", "3"], catch_exceptions=False)
    assert limited.exit_code == 0, limited.output
    rows = [json.loads(line) for line in limited.stdout.splitlines()]
    assert [(r["handle"], r["step"]) for r in rows] == [(s[0], s[2]) for s in want[:3]]
    spilled = sum(s[SPILLED] for s in want[:3])
    assert limited.stderr.splitlines()[-1] == (
        f"first 3 send(s), {spilled} spilled by the cap (main 4/day); later ones not simulated (--limit)"
    )
    full = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert len(full.stdout.splitlines()) == len(want)
    assert full.stderr.splitlines()[-1] == (
        f"{len(want)} send(s), {sum(s[SPILLED] for s in want)} spilled by the cap (main 4/day)"
    )
    assert full.stderr.splitlines()[:-1] == [f"not scheduled: {h}: {w}" for h, w in want_unplanned]


def test_rows_are_printed_as_they_come(capsys: pytest.CaptureFixture[str]) -> None:
    printed: list[int] = []

    def rows() -> Any:
        for n in range(250):
            if n in (100, 200):  # a page is out before the next row is even made
                printed.append(len(capsys.readouterr().out.splitlines()))
            yield {"n": n, "name": "花子" if n == 150 else "x"}

    with click.Context(click.Command("t")):
        emit_stream(rows(), "csv", ["n", "name"])
    assert printed == [101, 100]
    assert capsys.readouterr().out.splitlines()[-1] == "249,x"
    with click.Context(click.Command("t")):
        emit_stream(
            iter([{"n": 1, "name": "x"}, {"n": 22, "name": "y"}]), "table", ["n", "name"], page=1
        )
    assert capsys.readouterr().out.splitlines() == ["n  name", "-  ----", "1  x", "22  y"]


def test_steps_already_due_are_read_by_id_only_as_far_as_needed(db: Engine, tmp_path: Path) -> None:
    # Everyone overdue: they all count from now, so among one calendar the id decides, and the
    # first sends need only the lowest ids (unless today's cap is already used up).
    config = workspace(tmp_path, (30, 1))
    seed(db, random.Random(11), 400, days=(-30, -1))
    with writing(db) as conn:
        conn.execute(outbox.delete().where(outbox.c.state == "sent"))  # today's cap is free
    with reading(db) as conn:
        pending = _pending_on(conn, "main")
    want, _ = reference(db, config, "spring", NOW)
    with ScheduleRun(db, config, "spring", NOW) as run:
        assert [astuple(s) for s in itertools.islice(run, 5)] == want[:5]
        assert run.read < len(pending) // 4


def test_with_the_days_cap_used_the_overdue_wait_together_unread(
    db: Engine, tmp_path: Path
) -> None:
    # Today's cap is used up: every overdue step waits for the next opening of its calendar,
    # where the lowest ids go first; only those need reading.
    config = workspace(tmp_path, (3, 1))
    seed(db, random.Random(12), 400, days=(-30, -1))
    with reading(db) as conn:
        pending = _pending_on(conn, "main")
        today = day_start(config, sending_day(config, NOW))
        assert q.sent_since(conn, ["main"], today)["main"] >= 3
    want, unplanned = reference(db, config, "spring", NOW)
    with ScheduleRun(db, config, "spring", NOW) as run:
        assert [astuple(s) for s in itertools.islice(run, 5)] == want[:5]
        assert run.read < len(pending) // 2
    assert want[0][4] >= next_day_start(config, sending_day(config, NOW))
    timeline = schedule(db, config, "spring", NOW)
    assert [astuple(s) for s in timeline.sends] == want and timeline.unplanned == unplanned


def test_a_campaign_on_two_mailboxes_each_with_its_cap_and_ramp(db: Engine, tmp_path: Path) -> None:
    # `mailboxes = ["main", "other"]`: each mailbox's own cap; `other` is new, so its ramp
    # (1, then 2) holds its first days from its first send, then daily_cap 5.
    workspace(tmp_path, (2, 5))
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        config_file.read_text("utf-8").replace("daily_cap = 5\n", 'daily_cap = 5\nramp = "1,2"\n'),
        "utf-8",
    )
    config = load_config(config_file)
    spring = tmp_path / "campaigns" / "spring.toml"
    spring.write_text(
        spring.read_text("utf-8").replace('mailbox = "main"', 'mailboxes = ["main", "other"]'),
        "utf-8",
    )
    created = naive_utc(NOW - timedelta(days=1))
    with writing(db) as conn:
        cid = conn.execute(
            insert(campaign).values(slug="spring", created_at=created).returning(campaign.c.id)
        ).scalar_one()
        conn.execute(
            insert(influencer),
            [
                {
                    "id": i,
                    "name": f"花子{i}",
                    "email": f"p{i}@example.jp",
                    "email_norm": f"p{i}@example.jp",
                    "platform": "instagram",
                    "handle": f"p{i}",
                    "country": "JP",
                    "tags": [],
                    "custom": {},
                    "created_at": created,
                    "updated_at": created,
                }
                for i in range(1, 13)
            ],
        )
        conn.execute(
            insert(enrollment),
            [
                {
                    "id": i,
                    "campaign_id": cid,
                    "influencer_id": i,
                    "sequence": "standard",
                    "mailbox": ("main", "other")[i % 2],
                    "next_step": 1,
                    "next_due_at": naive_utc(NOW - timedelta(hours=1)),
                    "status": "active",
                    "stage_changed_at": created,
                    "created_at": created,
                }
                for i in range(1, 13)
            ],
        )
    timeline = schedule(db, config, "spring", NOW)
    assert len(timeline.sends) == 36 and timeline.unplanned == []
    assert [s.at for s in timeline.sends] == sorted(s.at for s in timeline.sends)
    assert {(s.handle, s.mailbox) for s in timeline.sends} == {
        (f"p{i}", ("main", "other")[i % 2]) for i in range(1, 13)
    }
    per_day: dict[tuple[str, date], int] = {}
    for s in timeline.sends:
        key = (s.mailbox, sending_day(config, s.at))
        per_day[key] = per_day.get(key, 0) + 1
    days = (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28))  # 29 Dec - 3 Jan closed
    assert [per_day.get(("main", d), 0) for d in days] == [2, 2, 2]
    assert [per_day.get(("other", d), 0) for d in days] == [1, 2, 3]
    # Pitches held back by a cap: main's 4 after the first day, other's 2 + 3 after its ramp.
    assert sum(s.spilled for s in timeline.sends if s.step == 1) == 9
