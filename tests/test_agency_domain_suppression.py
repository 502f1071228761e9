"""An agency's "please stop contacting our talents" suppresses its domain for the mailbox that
received it: on both databases, a new address at that domain is blocked for that mailbox at
every check (the batch lookup the planner and enrolment use, the claim, and the last check
before DATA, also for an agency in CC), other mailboxes may still write there, `suppression
list` shows the rule and `suppression remove @domain` lifts it only with --force."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from outreach.clock import FixedClock, naive_utc
from outreach.errors import UserError
from outreach.services.roster import importer as roster
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.queries import suppression as sq
from outreach.store.schema import outbox
from outreach.store.session import reading, writing
from tests.support.smtp import T0, seed_outbox

LIMITS = {
    "main": mailbox_q.MailboxLimits(100, 0, 0, T0.date()),
    "second": mailbox_q.MailboxLimits(100, 0, 0, T0.date()),
}


def _claim(engine: Engine, worker: str) -> list[q.Claimed]:
    with writing(engine) as conn:
        mailbox_q.ensure_mailboxes(conn, list(LIMITS))
        return q.claim(
            conn,
            worker=worker,
            now=T0,
            lease_seconds=300,
            limits=LIMITS,
            limit=10,
            rng=random.Random(1),
        )


def _rule(engine: Engine, domain: str, mailbox: str) -> None:
    with writing(engine) as conn:
        assert sq.suppress_domain(
            conn,
            domain,
            mailbox,
            reason="opt_out",
            source="inbound opt_out (agency-wide, from pr@d0.test)",
            at=naive_utc(T0),
            evidence={"agency_wide": True},
        )
        # the same rule again adds nothing
        assert not sq.suppress_domain(
            conn, domain, mailbox, reason="opt_out", source="", at=naive_utc(T0)
        )


def test_the_rule_holds_for_its_mailbox_at_every_check(engine: Engine) -> None:
    [main_row] = seed_outbox(engine, 1, mailbox="main")  # p0@d0.test
    [cc_row] = seed_outbox(engine, 1, mailbox="main", start=1, domains=100)  # p1@d1.test
    with writing(engine) as conn:  # the agency of p1 is in CC
        conn.execute(
            update(outbox)
            .where(outbox.c.id == cc_row)
            .values(rcpt_to=["p1@d1.test", "mgr@agency.test"])
        )
    claimed = {c.id: c for c in _claim(engine, "w1")}
    assert set(claimed) == {main_row, cc_row}

    _rule(engine, "d0.test", "main")
    _rule(engine, "@Agency.TEST", "main")
    with reading(engine) as conn:
        new = "new.talent@d0.test"
        assert sq.suppressed_among(conn, [new, "x@d5.test"], mailbox="main") == {new}
        assert sq.suppressed_among(conn, [new], mailbox="second") == set()
        assert sq.suppressed_among(conn, [new]) == set()  # not global
        assert sq.is_suppressed(conn, new, mailbox="main")
        assert not sq.is_suppressed(conn, new, mailbox="second")
        assert not sq.is_suppressed(conn, new)
        assert sq.domain_suppressed(conn, [("main", new), ("second", new)]) == {("main", new)}

    # the last check before DATA, in the transaction that writes `sending`
    with writing(engine) as conn:
        assert q.mark_sending_unless_stopped(
            conn, [(claimed[main_row], 60), (claimed[cc_row], 60)], T0
        ) == [
            "domain d0.test suppressed for mailbox main",
            "domain agency.test suppressed for mailbox main",
        ]

    # the claim: a new row to that domain from main is cancelled; from `second` it goes
    [later] = seed_outbox(engine, 1, mailbox="main", start=20, domains=10)  # p20@d0.test
    [other] = seed_outbox(engine, 1, mailbox="second", start=30, domains=10)  # p30@d0.test
    with writing(engine) as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([main_row, cc_row]))
            .values(state="cancelled", worker=None)
        )
    taken = _claim(engine, "w2")
    assert [c.id for c in taken] == [other]
    with reading(engine) as conn:
        state, error = conn.execute(
            select(outbox.c.state, outbox.c.last_error).where(outbox.c.id == later)
        ).one()
    assert (state, error) == (
        "cancelled",
        "cancelled at claim: domain d0.test suppressed for mailbox main",
    )
    with writing(engine) as conn:
        assert q.mark_sending_unless_stopped(conn, [(taken[0], 60)], T0) == [None]


def test_list_and_remove_a_domain_rule(engine: Engine) -> None:
    _rule(engine, "d0.test", "main")
    _rule(engine, "d0.test", "second")
    with reading(engine) as conn:
        rows = sq.list_suppressions(conn, address="someone@d0.test")
    assert sorted((r["address"], r["reason"], r["source"]) for r in rows) == [
        (
            "@d0.test",
            "opt_out",
            "mailbox main only: inbound opt_out (agency-wide, from pr@d0.test)",
        ),
        (
            "@d0.test",
            "opt_out",
            "mailbox second only: inbound opt_out (agency-wide, from pr@d0.test)",
        ),
    ]
    clock = FixedClock(T0 + timedelta(days=1))
    with pytest.raises(UserError, match="the agency asked not to be mailed; nothing removed"):
        roster.remove_suppression(
            engine, "@d0.test", reason="new deal", actor="ops", force=False, clock=clock
        )
    done = roster.remove_suppression(
        engine,
        "@d0.test",
        reason="new agreement with the agency",
        actor="ops",
        force=True,
        clock=clock,
        mailbox="main",
    )
    assert (done.address, done.forced, [e.reason for e in done.entries]) == (
        "@d0.test",
        True,
        ["opt_out"],
    )
    with reading(engine) as conn:
        assert not sq.is_suppressed(conn, "new@d0.test", mailbox="main")
        assert sq.is_suppressed(conn, "new@d0.test", mailbox="second")
        [audit] = sq.audit_trail(conn, address="@d0.test")
    assert (audit["action"], audit["prior_reason"], audit["reason"], audit["forced"]) == (
        "remove",
        "opt_out",
        "new agreement with the agency (mailbox main)",
        True,
    )
    with pytest.raises(UserError, match="is not suppressed for mailbox main"):
        roster.remove_suppression(
            engine, "@d0.test", reason="x", actor="ops", force=True, clock=clock, mailbox="main"
        )
