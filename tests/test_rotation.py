"""Several mailboxes per campaign (round-robin for new conversations, threads stay put) and a
new mailbox's ramp of daily caps, over real SMTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, func, select

from outreach.clock import FixedClock, naive_utc
from outreach.config import Config, LimitsConfig
from outreach.domain.ramp import cap_on
from outreach.errors import InputError
from outreach.render.compose import Composer
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.services.send.plan import plan_due, sent_hook
from outreach.services.sequence.campaigns import parse_campaign, validate_campaign
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries.suppression import suppress_domain
from outreach.store.schema import enrollment, influencer, outbox
from outreach.store.session import writing
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.db import engine_url
from tests.support.sequence import CAMPAIGN, add_influencer, make_workspace
from tests.support.smtp import ScriptedHandler

JST = ZoneInfo("Asia/Tokyo")
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST).astimezone(UTC)
NO_GAP = {"min_gap_seconds": 0, "jitter_seconds": 0}
ROTATING = CAMPAIGN.format(sequence="standard").replace(
    'mailbox = "main"\n', 'mailboxes = ["tokyo", "osaka"]\n'
)


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[dict[str, ScriptedHandler]]:
    handlers = {"tokyo": ScriptedHandler(), "osaka": ScriptedHandler()}
    with (
        CaptureSink(tmp_path / "a", handler=handlers["tokyo"]) as a,
        CaptureSink(tmp_path / "b", handler=handlers["osaka"]) as b,
    ):
        handlers["tokyo"].port, handlers["osaka"].port = a.port, b.port  # type: ignore[attr-defined]
        yield handlers


def box(address: str, port: int, **limits: Any) -> dict[str, Any]:
    return {
        "from_address": address,
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none"},
        "limits": {"daily_cap": 50, **NO_GAP, **limits},
    }


def workspace(tmp_path: Path, db_url: str, tokyo: dict[str, Any], osaka: dict[str, Any]) -> Config:
    config = make_workspace(
        tmp_path, database={"url": db_url}, mailboxes={"tokyo": tokyo, "osaka": osaka}
    )
    (tmp_path / "campaigns" / "spring.toml").write_text(ROTATING, encoding="utf-8")
    return config


def tick(db: Engine, config: Config, at: datetime) -> DispatchReport:
    clock = FixedClock(at)
    plan_due(db, config, clock, Composer(config), limit=100)

    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(
                db,
                config,
                clock,
                transport,
                worker="w",
                on_sent=sent_hook(config),
                rng=random.Random(2),
            )
        finally:
            await transport.close()

    return asyncio.run(go())


def mailbox_of(db: Engine) -> dict[str, str]:
    with db.connect() as conn:
        rows = conn.execute(
            select(influencer.c.handle, enrollment.c.mailbox).join(
                enrollment, enrollment.c.influencer_id == influencer.c.id
            )
        )
        return {r.handle: r.mailbox for r in rows}


def test_mailboxes_key_parses_and_names_the_line_of_a_mistake(tmp_path: Path) -> None:
    campaign = parse_campaign(ROTATING, slug="spring", file="campaigns/spring.toml")
    assert (campaign.mailbox, campaign.mailboxes, campaign.senders) == (
        "tokyo",
        ("tokyo", "osaka"),
        ("tokyo", "osaka"),
    )
    plain = parse_campaign(CAMPAIGN.format(sequence="standard"), slug="spring", file="c.toml")
    assert plain.senders == ("main",)

    both = ROTATING.replace("mailboxes =", 'mailbox = "nagoya"\nmailboxes =')
    with pytest.raises(InputError) as err:
        parse_campaign(both, slug="spring", file="campaigns/spring.toml")
    assert str(err.value).splitlines()[0] == (
        "campaigns/spring.toml:5: mailbox: mailbox 'nagoya' is not one of mailboxes ['tokyo', 'osaka'] "
        "(add it to mailboxes, or drop mailbox: the first of mailboxes is the default)"
    )
    for bad in ("[]", '["tokyo", "tokyo"]', '"tokyo"'):
        with pytest.raises(InputError) as err:
            parse_campaign(ROTATING.replace('["tokyo", "osaka"]', bad), slug="s", file="s.toml")
        assert (
            str(err.value)
            .splitlines()[0]
            .startswith("s.toml:5: mailboxes: expected a list of different")
        )

    config = workspace(
        tmp_path,
        f"sqlite:///{tmp_path / 'o.db'}",
        box("a@x.example.jp", 1),
        box("b@x.example.jp", 2),
    )
    (tmp_path / "campaigns" / "spring.toml").write_text(
        ROTATING.replace('"osaka"]', '"kobe"]'), encoding="utf-8"
    )
    campaign = parse_campaign(
        (tmp_path / "campaigns" / "spring.toml").read_text(),
        slug="spring",
        file=str(tmp_path / "campaigns" / "spring.toml"),
    )
    problems = [str(p) for p in validate_campaign(config, campaign)]
    assert problems == [
        f"{tmp_path}/campaigns/spring.toml:5: mailboxes: unknown mailbox 'kobe' "
        "(configured: main, osaka, tokyo)"
    ]


def test_round_robin_and_threads_stay_on_their_mailbox_across_restarts(
    tmp_path: Path, two_servers: dict[str, ScriptedHandler]
) -> None:
    url = f"sqlite:///{tmp_path / 'outreach.db'}"
    ports = {name: h.port for name, h in two_servers.items()}  # type: ignore[attr-defined]
    config = workspace(
        tmp_path,
        url,
        box("pr@tokyo.example.jp", ports["tokyo"]),
        box("pr@osaka.example.jp", ports["osaka"]),
    )
    db = create_engine(url)
    from outreach.store.schema import metadata

    metadata.create_all(db)
    for handle in ("aoi", "ben", "chika"):
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    first = mailbox_of(db)
    assert sorted(first.values()) == ["osaka", "tokyo", "tokyo"]
    db.dispose()

    # A new process: fresh engine and config; the rotation continues from what is stored.
    db = create_engine(url)
    config = workspace(
        tmp_path,
        url,
        box("pr@tokyo.example.jp", ports["tokyo"]),
        box("pr@osaka.example.jp", ports["osaka"]),
    )
    add_influencer(db, "daichi")
    report = enroll(
        db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(4)
    )
    assert [(e.handle, e.mailbox) for e in report.enrolled] == [("daichi", "osaka")]
    owners = mailbox_of(db)
    assert {h: owners[h] for h in first} == first

    assert tick(db, config, TUE_0905).sent == 4
    db.dispose()
    db = create_engine(url)  # the follow-ups are sent by another process
    with db.connect() as conn:
        follow_up_at = max(conn.execute(select(enrollment.c.next_due_at)).scalars()).replace(
            tzinfo=UTC
        ) + timedelta(seconds=1)
    assert tick(db, config, follow_up_at).sent == 4

    for name, handler in two_servers.items():
        got = [email.message_from_bytes(raw) for raw in handler.received]
        to = sorted(str(m["To"]).split("<")[-1].split("@")[0] for m in got)
        assert to == sorted(2 * [h for h, owner in owners.items() if owner == name])
        assert {str(m["From"]).split("<")[-1].rstrip(">") for m in got} == {f"pr@{name}.example.jp"}
        pitches, follow_ups = got[: len(got) // 2], got[len(got) // 2 :]
        assert {str(m["In-Reply-To"]) for m in follow_ups} == {
            str(m["Message-ID"]) for m in pitches
        }


def test_a_new_enrolment_goes_to_a_mailbox_with_room_today(
    tmp_path: Path, sqlite_db: Engine
) -> None:
    config = workspace(
        tmp_path,
        str(sqlite_db.url),
        box("a@tokyo.example.jp", 1, ramp="1"),
        box("b@osaka.example.jp", 2),
    )
    for handle in ("aoi", "ben", "chika"):
        add_influencer(sqlite_db, handle)
    report = enroll(sqlite_db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    # tokyo is new and may send one today: it takes the first; osaka the rest.
    assert [e.mailbox for e in report.enrolled] == ["tokyo", "osaka", "osaka"]


def test_an_agency_that_stopped_one_mailbox_is_written_to_from_another(
    tmp_path: Path, db: Engine
) -> None:
    """An agency asked mailbox tokyo to stop: its talents are enrolled on osaka, whatever the
    round-robin would give; a domain stopped for both mailboxes is skipped, with the reason."""
    config = workspace(
        tmp_path,
        engine_url(db),
        box("a@tokyo.example.jp", 1),
        box("b@osaka.example.jp", 2),
    )
    for handle in ("aoi", "ben", "chika", "daichi"):
        add_influencer(db, handle, email=f"{handle}@agency.example")
    add_influencer(db, "emi", email="emi@stopped.example")
    with writing(db) as conn:
        for domain, boxes in (
            ("agency.example", ["tokyo"]),
            ("stopped.example", ["tokyo", "osaka"]),
        ):
            for name in boxes:
                suppress_domain(
                    conn, domain, name, reason="opt_out", source="test", at=naive_utc(ENROLLED)
                )
    report = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    assert [(e.handle, e.mailbox) for e in report.enrolled] == [
        ("aoi", "osaka"),
        ("ben", "osaka"),
        ("chika", "osaka"),
        ("daichi", "osaka"),
    ]
    assert [(s.handle, s.reason) for s in report.skipped] == [
        ("emi", "suppressed: its domain, for mailbox tokyo, osaka")
    ]


def test_ramp_caps_hold_day_by_day(
    tmp_path: Path, db: Engine, two_servers: dict[str, ScriptedHandler]
) -> None:
    sqlite_db = db  # SQLite and PostgreSQL alike
    ports = {name: h.port for name, h in two_servers.items()}  # type: ignore[attr-defined]
    url = db.url.render_as_string(hide_password=False)
    config = make_workspace(
        tmp_path,
        database={"url": url},
        mailboxes={
            "main": box("pr@sakura-beauty.example.jp", ports["tokyo"], daily_cap=5, ramp="2,3,9")
        },
    )
    for n in range(14):
        add_influencer(sqlite_db, f"p{n:02d}")
    enroll(sqlite_db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)

    sent_per_day = []
    for day in range(4):  # Tue, Wed, Thu, Fri: ramp 2, 3, then 9 held to daily_cap 5, then 5
        morning = TUE_0905 + timedelta(days=day)
        sent = sum(
            tick(sqlite_db, config, morning + timedelta(minutes=m)).sent for m in (0, 30, 240)
        )
        with sqlite_db.connect() as conn:
            queued = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.state == "queued")
            ).scalar_one()
        assert queued == 0  # the planner queued no more than the day's cap
        sent_per_day.append(sent)
    # Friday has the last 4 pitches and Tuesday's 2 follow-ups (3 business days) due: 5 go.
    assert sent_per_day == [2, 3, 5, 5]
    assert len(two_servers["tokyo"].received) == 15


def test_cap_on_counts_from_the_first_send() -> None:
    limits = LimitsConfig(daily_cap=100, ramp="20,30,45,70,100")
    first = date(2026, 11, 24)
    assert cap_on(limits, None, first) == 20
    assert [cap_on(limits, first, first + timedelta(days=d)) for d in range(7)] == [
        20,
        30,
        45,
        70,
        100,
        100,
        100,
    ]
    assert cap_on(LimitsConfig(daily_cap=40, ramp="20,60"), first, first + timedelta(days=1)) == 40
    assert cap_on(LimitsConfig(daily_cap=40), None, first) == 40
