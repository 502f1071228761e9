"""Dispatch: queued outbox rows -> SMTP -> recorded outcome; never twice, and stop means stop.

One pass reaps expired leases, claims due rows (rate limits reserved in the claim), sends each
over its mailbox's pool and records each result. Stop conditions are checked at claim and again
once the server has accepted the envelope (MAIL, RCPT, DATA's 354), before any byte of the
message; `sending` is committed at that same point. The server cannot accept a message before its
final dot, so a crash before `sending` is safe to retry; a drop after the dot leaves the client
unsure whether the message was accepted (RFC 1047), so a row found in `sending` becomes
`unknown` and is never resent on our own. Lanes whose writes become due in the same event-loop
turn share one transaction (group commit): the `sending` marks of rows about to send DATA and
the results of rows that just finished. A lane waits for that commit before it
sends DATA or takes its next row, so each row is still committed `sending` before its DATA.

The sequence's side of an accepted send (prospect -> contacted, the next step scheduled) is
settled once per pass for all its `sent` rows, not in every group commit; a pass cut short
leaves its rows for the next pass of any worker to settle (`settle`, `unsettled_sends`).

Longer than 400 lines on purpose: the order of claim, `sending`, DATA and the recorded result is
what keeps a send from happening twice, and it is reviewed as one file.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event

from outreach import failpoints
from outreach.clock import Clock
from outreach.config import Config
from outreach.domain.outbox import OutboxState, Outcome, backoff_seconds, failed_stop_reason
from outreach.domain.sending_day import sending_day
from outreach.domain.smtp_codes import Phase
from outreach.domain.stages import Stage
from outreach.failpoints import Failpoint
from outreach.services.send.sent_copy import keeps_copy
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.queries import sent_copy as sent_copies
from outreach.store.queries.caps import daily_caps
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.outbox import unsettled_sends
from outreach.store.queries.stages import move_stage_if, move_stages_if, stop_everywhere
from outreach.store.queries.suppression import suppress
from outreach.store.session import (
    describe_unavailable,
    is_busy,
    is_unavailable,
    write_on,
    writing,
)
from outreach.transport.smtp import SendResult, SmtpTransport

log = logging.getLogger("outreach.send")

GROUP_WAIT_SECONDS = 0.005
"""How long a lane's write may wait for the other lanes to join its transaction."""

BUSY_RETRY_SECONDS = 0.1
"""Between tries of a group commit that found the SQLite database busy (each try itself waits
the busy timeout)."""

RECONNECT_RETRY_SECONDS = 1.0
"""Between tries of a group commit whose PostgreSQL connection was lost or refused."""

OnSent = Callable[[Connection, Sequence[tuple[int, int, datetime]]], None]
"""Called in the transaction that settles accepted sends: (conn, [(enrollment, step, sent_at)])."""


@dataclass
class DispatchReport:
    claimed: int = 0
    released: int = 0
    reaped: dict[str, int] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes[Outcome.SENT.value]


def mailbox_limits(
    config: Config, now: datetime, caps: Mapping[str, int] | None = None
) -> dict[str, mailbox_q.MailboxLimits]:
    """Each mailbox's limits today; `caps` (queries.caps.daily_caps) brings a new one's ramp."""
    today = sending_day(config, now)
    return {
        name: mailbox_q.MailboxLimits(
            (caps or {}).get(name, mb.limits.daily_cap),
            mb.limits.min_gap_seconds,
            mb.limits.jitter_seconds,
            today,
        )
        for name, mb in sorted(config.mailboxes.items())
    }


def server_said(result: SendResult) -> str:
    """The server's reply (`552 5.2.2 mailbox full`), else what went wrong on our side."""
    return (
        " ".join(str(p) for p in (result.code, result.text) if p)
        or result.exception_type
        or str(result.phase)
    )


def describe_fault(result: SendResult) -> str:
    """The pause reason `outreach status` shows: what failed and what the server said."""
    what = {
        Phase.CONNECT: "cannot connect (network or TLS)",
        Phase.AUTH: "authentication failed",
        Phase.MAIL: "sender refused",
    }.get(result.phase, "relay refused us")
    said = " ".join(str(p) for p in (result.code, result.text) if p)
    return f"{what}: {said}" if said else what


def attempt_log(row: q.Claimed, result: SendResult) -> q.AttemptLog:
    return q.AttemptLog(
        row, result.outcome, result.code, result.enhanced, result.text, result.exception_type
    )


def _where(row: q.Claimed) -> str:
    return f"id={row.id} attempt={row.attempt} to={','.join(row.rcpt_to)} mailbox={row.mailbox}"


class _DispatchPass:
    """The state of one dispatch pass: which mailboxes tripped their breaker."""

    def __init__(
        self,
        conn: Connection,
        config: Config,
        clock: Clock,
        transport: SmtpTransport,
        worker: str,
        on_sent: OnSent | None,
        stopping: asyncio.Event | None,
        rng: random.Random,
    ) -> None:
        self.conn, self.config, self.clock, self.transport = conn, config, clock, transport
        self.worker, self.on_sent, self.stopping, self.rng = worker, on_sent, stopping, rng
        self.paused: set[str] = set()
        # mailboxes whose accepted messages are queued for their Sent folder (sent_copy)
        self.copies = {name for name, mb in config.mailboxes.items() if keeps_copy(mb)}
        self.faults_cleared: set[str] = set()  # mailboxes whose fault streak this pass reset
        self.unsettled: list[tuple[int, int, datetime]] = []  # sent, sequence side not yet settled
        self.report = DispatchReport()
        # Group commit: writes queued by lanes during one event-loop turn, and the future that
        # the commit of all of them resolves (per claimed id: None = `sending`, else why not).
        self._to_send: list[tuple[q.Claimed, float]] = []
        self._finished: list[tuple[q.Claimed, SendResult, str]] = []
        self._commit: asyncio.Future[dict[int, str | None]] | None = None
        self._commit_at: asyncio.TimerHandle | None = None
        self._lanes = 0  # lanes of this pass still sending
        self._waiting = 0  # of them, those waiting for the pending commit
        self._held_since: float | None = (
            None  # monotonic time a group commit first found the database unavailable
        )
        self._statements = 0  # statements of the current group commit that ran
        event.listen(conn, "after_cursor_execute", self._ran)

    def draining(self) -> bool:
        return self.stopping is not None and self.stopping.is_set()

    async def run_mailbox(self, name: str, rows: list[q.Claimed]) -> None:
        queue = list(reversed(rows))

        async def lane() -> None:
            recorded: asyncio.Future[Any] | None = (
                None  # the commit carrying this lane's last `sent`
            )
            try:
                while queue:
                    row = queue.pop()
                    if self.draining() or name in self.paused:
                        self.release(
                            row,
                            "released: "
                            + ("shutting down" if self.draining() else "mailbox paused"),
                        )
                        continue
                    recorded = await self.deliver(row, recorded)
            finally:
                self._lanes -= 1
                self._commit_if_all_wait()
            if recorded is not None:
                await asyncio.shield(recorded)

        lanes = min(self.config.mailboxes[name].smtp.connections, len(rows))
        self._lanes += lanes
        await asyncio.gather(*(lane() for _ in range(lanes)))

    def release(self, row: q.Claimed, why: str) -> None:
        now = self.clock.now()
        with write_on(self.conn) as conn:
            if q.mark_requeued(conn, row, now, why):
                mailbox_q.refund_token(conn, row.mailbox, sending_day(self.config, now))
                self.report.released += 1

    async def deliver(
        self, row: q.Claimed, recorded: asyncio.Future[Any] | None
    ) -> asyncio.Future[Any] | None:
        """Send one row. A `sent` result is only queued: the lane goes on to its next row and
        the result rides in the transaction of the next `sending` marks (a crash before that
        commit leaves the row `sending`, so `unknown`, as a crash between 250 and commit always
        did). Returns that pending commit; `recorded` is the one of the lane's previous row,
        whose failure is raised here at the latest."""
        stop = ""
        smtp = self.config.mailboxes[row.mailbox].smtp
        sending_lease = self.config.sending.lease_seconds + smtp.data_timeout

        async def on_before_data() -> bool:
            """The last stop check and `sending`, in one transaction, once the server has
            accepted the envelope and before any byte of the message: later than "before MAIL
            FROM", so a narrower race."""
            nonlocal stop
            self._to_send.append((row, sending_lease))
            why_not = (await self._committed())[row.id]
            stop = why_not or ""
            return why_not is None

        result = await self.transport.pool(row.mailbox).send(
            row.mail_from, row.rcpt_to, row.raw, on_before_data=on_before_data
        )
        if recorded is not None:
            await asyncio.shield(recorded)
        self._finished.append((row, result, stop))
        self.report.outcomes[result.outcome.value] += 1
        if result.outcome is Outcome.SENT:
            failpoints.hit(Failpoint.AFTER_250_BEFORE_COMMIT)
            return self._pending_commit()
        await self._committed()  # other outcomes may pause the mailbox: known before the next row
        return None

    def _pending_commit(self) -> asyncio.Future[dict[int, str | None]]:
        if self._commit is None:
            loop = asyncio.get_running_loop()
            self._commit = loop.create_future()
            self._commit_at = loop.call_later(GROUP_WAIT_SECONDS, self._group_commit)
            self._commit_if_all_wait()
        return self._commit

    def _committed(self) -> asyncio.Future[dict[int, str | None]]:
        """The commit that will carry the writes just queued (shielded: one lane cancelled
        cancels no other). It runs once every lane of the pass waits for it, so the lanes fall
        into step and share each transaction; at the latest GROUP_WAIT_SECONDS after the first
        write queued (a lane stuck on a slow server holds the others up no longer)."""
        pending = self._pending_commit()
        self._waiting += 1
        self._commit_if_all_wait()
        return asyncio.shield(pending)

    def _commit_if_all_wait(self) -> None:
        if (
            self._commit is not None
            and self._commit_at is not None
            and self._waiting >= self._lanes
        ):
            self._commit_at.cancel()
            self._commit_at = None
            asyncio.get_running_loop().call_soon(self._group_commit)

    def _ran(self, *_: Any) -> None:
        self._statements += 1

    def _group_commit(self) -> None:
        started = time.monotonic()
        self._statements = 0
        done, self._commit = self._commit, None
        if self._commit_at is not None:
            self._commit_at.cancel()
            self._commit_at = None
        waiting, self._waiting = self._waiting, 0
        finished, self._finished = self._finished, []
        to_send, self._to_send = self._to_send, []
        assert done is not None
        try:
            with write_on(self.conn) as conn:
                now = self.clock.now()
                sent = [
                    (row, result) for row, result, _ in finished if result.outcome is Outcome.SENT
                ]
                for row, result, stop in finished:
                    if result.outcome is not Outcome.SENT:
                        self.record(conn, row, result, stop)
                self._record_sent(conn, sent, now)
                why_not = q.mark_sending_unless_stopped(conn, to_send, now)
        except Exception as exc:  # not swallowed: every waiting lane raises it
            if self._untouched(exc) and self._hold(started, exc, len(finished) + len(to_send)):
                # Nothing of it ran: keep the results and marks, and the lanes waiting for them,
                # for the next try.
                self._finished[:0], self._to_send[:0] = finished, to_send
                self._waiting += waiting
                self._commit = done
                delay = BUSY_RETRY_SECONDS if is_busy(exc) else RECONNECT_RETRY_SECONDS
                self._commit_at = asyncio.get_running_loop().call_later(delay, self._group_commit)
                return
            done.set_exception(exc)
            return
        if self._held_since is not None:
            log.warning(
                "database available again after %.0f s; results recorded",
                time.monotonic() - self._held_since,
            )
            self._held_since = None
        done.set_result({row.id: why for (row, _), why in zip(to_send, why_not, strict=True)})

    def _untouched(self, exc: Exception) -> bool:
        """Whether a failed group commit left nothing behind, in the database or in this pass,
        so it can run again as it was: the database was unavailable before any statement of it
        ran. On SQLite that is BEGIN IMMEDIATE refused by another writer's lock (BEGIN is its
        first statement); on PostgreSQL a connection lost or refused before the first statement
        (the server rolls an interrupted transaction back). A connection lost during COMMIT may
        have committed, and is not retried."""
        return self._statements == 0 and is_unavailable(exc)

    def _hold(self, started: float, exc: Exception, writes: int) -> bool:
        """Whether to try the group commit again. Its results are facts (a 250 that is not
        recorded becomes `unknown` once its lease lapses), so they are held and retried for up
        to the claim lease; every write is fenced, so one that comes after the reaper took the
        row back changes nothing."""
        if self._held_since is None:
            self._held_since = started
            log.warning(
                "%s: holding %d result(s) and retrying for up to %.0f s",
                describe_unavailable(exc),
                writes,
                self.config.sending.lease_seconds,
            )
        return time.monotonic() - self._held_since < self.config.sending.lease_seconds

    def record(self, conn: Connection, row: q.Claimed, result: SendResult, stop: str) -> None:
        """A result other than SENT (those go by the group, `_record_sent`)."""
        now = self.clock.now()
        q.record_attempts(conn, now, [attempt_log(row, result)])
        where = _where(row)
        said = f"{result.phase} {result.code or '-'} {result.text}".strip()
        handler = {
            Outcome.TRANSIENT: self._retry,
            Outcome.SOFT_BOUNCE: self._retry,
            Outcome.HARD_BOUNCE: self._hard_bounce,
            Outcome.REJECTED: self._rejected,
            Outcome.SENDER_FAULT: self._sender_fault,
            Outcome.AMBIGUOUS: self._unknown,
            Outcome.CANCELLED: self._cancelled,
        }[result.outcome]
        handler(
            conn, row, result, now, where, said if result.outcome is not Outcome.CANCELLED else stop
        )

    def _record_sent(
        self, conn: Connection, sent: list[tuple[q.Claimed, SendResult]], now: datetime
    ) -> None:
        """The rows whose 250 arrived together: attempt log and `sent` (settled at the pass's
        end)."""
        if not sent:
            return
        q.record_attempts(conn, now, [attempt_log(row, result) for row, result in sent])
        took = q.mark_sent_many(conn, [row for row, _ in sent], now)
        done = [(row, result) for (row, result), ok in zip(sent, took, strict=True) if ok]
        for (row, _), ok in zip(sent, took, strict=True):
            if not ok:
                log.warning(
                    "accepted but the claim was lost (row stays as the reaper left it) %s",
                    _where(row),
                )
        for name in sorted({row.mailbox for row, _ in done} - self.faults_cleared):
            mailbox_q.clear_sender_faults(conn, name)
            self.faults_cleared.add(name)
        self.unsettled.extend((row.enrollment_id, row.step, now) for row, _ in done)
        copies = [(r.id, r.mailbox) for r, _ in done if r.mailbox in self.copies]
        sent_copies.queue(conn, copies, now)
        for row, result in done:
            refused = f" refused={dict(result.refused)}" if result.refused else ""
            log.info("sent %s message_id=%s%s", _where(row), row.message_id, refused)

    def _retry(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        retry = self.config.sending.retry
        tries = q.delivery_attempts(conn, row.id)
        too_old = now - row.created_at >= timedelta(hours=retry.max_age_hours)
        if tries >= retry.max_attempts or too_old:
            if q.mark_final(
                conn, row, now, OutboxState.FAILED, f"gave up after {tries} attempt(s): {said}"
            ):
                stop_enrollment(
                    conn,
                    row.enrollment_id,
                    reason=failed_stop_reason(row.step, server_said(result)),
                )
            log.warning("failed (gave up) %s: %s", where, said)
            return
        delay = backoff_seconds(
            tries, first=retry.first_backoff_seconds, cap=retry.max_backoff_seconds, rng=self.rng
        )
        q.mark_retry(conn, row, now, now + timedelta(seconds=delay), said)
        log.info("retry in %.0fs %s: %s", delay, where, said)

    def _hard_bounce(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        q.mark_final(conn, row, now, OutboxState.FAILED, f"hard bounce: {said}")
        for address in row.rcpt_to:
            suppress(
                conn,
                address,
                reason="hard_bounce",
                source=f"smtp {result.code} {result.enhanced}",
                at=now,
            )
            stop_everywhere(
                conn, address, reason="hard bounce", stage=Stage.BOUNCED, cause="bounce", at=now
            )
        stop_enrollment(conn, row.enrollment_id, reason="hard bounce")
        move_stage_if(
            conn, row.enrollment_id, Stage.BOUNCED, cause="bounce", at=now, note=said, check=False
        )
        log.warning("hard bounce %s: %s", where, said)

    def _rejected(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        if q.mark_final(conn, row, now, OutboxState.FAILED, f"rejected: {said}"):
            stop_enrollment(
                conn, row.enrollment_id, reason=failed_stop_reason(row.step, server_said(result))
            )
        log.warning("rejected %s: %s", where, said)

    def _sender_fault(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        self.faults_cleared.discard(row.mailbox)
        if q.mark_requeued(conn, row, now, f"mailbox fault: {said}"):
            mailbox_q.refund_token(conn, row.mailbox, sending_day(self.config, now))
        sending = self.config.sending
        reason = describe_fault(result)
        if mailbox_q.record_sender_fault(
            conn,
            row.mailbox,
            now,
            threshold=sending.breaker_threshold,
            pause_minutes=sending.breaker_pause_minutes,
            reason=reason,
        ):
            self.paused.add(row.mailbox)
            log.error(
                "mailbox %s paused for %s min: %s",
                row.mailbox,
                sending.breaker_pause_minutes,
                reason,
            )
        log.warning("mailbox fault %s: %s", where, said)

    def _unknown(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        q.mark_final(conn, row, now, OutboxState.UNKNOWN, f"dropped after the final dot: {said}")
        log.error(
            "unknown (maybe delivered; resend only by hand) %s message_id=%s: %s",
            where,
            row.message_id,
            said,
        )

    def _cancelled(
        self,
        conn: Connection,
        row: q.Claimed,
        result: SendResult,
        now: datetime,
        where: str,
        said: str,
    ) -> None:
        if said and q.mark_final(
            conn, row, now, OutboxState.CANCELLED, f"cancelled before the message was sent: {said}"
        ):
            mailbox_q.refund_token(conn, row.mailbox, sending_day(self.config, now))
            log.info("cancelled %s: %s", where, said)
        elif not said:
            log.warning("claim lost before the message; not sent %s", where)


def settle(
    conn: Connection,
    sent: Sequence[tuple[int, int, datetime]],
    on_sent: OnSent | None,
    now: datetime,
) -> None:
    """The sequence's side of accepted sends: prospect -> contacted (one history row each) and
    the next step scheduled. Every write is a compare-and-set, so settling twice (two workers
    recovering the same rows) changes nothing the second time."""
    if not sent:
        return
    move_stages_if(
        conn,
        sorted({enrollment_id for enrollment_id, _, _ in sent}),
        Stage.CONTACTED,
        expected=Stage.PROSPECT,
        cause="sent",
        at=now,
    )
    if on_sent is not None:
        on_sent(conn, sent)


async def dispatch_once(
    engine: Engine,
    config: Config,
    clock: Clock,
    transport: SmtpTransport,
    *,
    worker: str,
    on_sent: OnSent | None = None,
    limit: int | None = None,
    stopping: asyncio.Event | None = None,
    rng: random.Random | None = None,
) -> DispatchReport:
    """One pass: reap, claim up to `limit` (default sending.batch_size) due rows, send, record.

    Setting `stopping` makes the pass finish the transactions in flight and release the rest."""
    with engine.connect() as held:
        run = _DispatchPass(
            held, config, clock, transport, worker, on_sent, stopping, rng or random.Random()
        )
        now = clock.now()
        with write_on(held) as conn:
            mailbox_q.ensure_mailboxes(conn, config.mailboxes)
            run.report.reaped = q.reap(conn, now, sending_day(config, now))
            settle(conn, unsettled_sends(conn), on_sent, now)  # what a pass cut short left
        if run.draining():
            return run.report
        with write_on(held) as conn:
            rows = q.claim(
                conn,
                worker=worker,
                now=now,
                lease_seconds=config.sending.lease_seconds,
                limits=mailbox_limits(
                    config, now, daily_caps(conn, config, sending_day(config, now))
                ),
                limit=limit or config.sending.batch_size,
                rng=run.rng,
            )
        run.report.claimed = len(rows)
        if not rows:
            return run.report
        failpoints.hit(Failpoint.AFTER_CLAIM)
        by_mailbox: dict[str, list[q.Claimed]] = defaultdict(list)
        for row in rows:
            by_mailbox[row.mailbox].append(row)
        try:
            await asyncio.gather(
                *(run.run_mailbox(name, batch) for name, batch in by_mailbox.items())
            )
        finally:
            if run.unsettled:
                failpoints.hit(Failpoint.BEFORE_SETTLE)
                with write_on(held) as conn:
                    settle(conn, run.unsettled, on_sent, clock.now())
        return run.report


async def dispatch_due(
    engine: Engine,
    config: Config,
    clock: Clock,
    transport: SmtpTransport,
    *,
    worker: str,
    on_sent: OnSent | None = None,
    stopping: asyncio.Event | None = None,
) -> DispatchReport:
    """Passes of `dispatch_once` until a pass claims less than a full batch: all that is due
    now (and allowed by the rate limits) goes out in one tick."""
    total = DispatchReport()
    rng = random.Random()
    while stopping is None or not stopping.is_set():
        report = await dispatch_once(
            engine,
            config,
            clock,
            transport,
            worker=worker,
            on_sent=on_sent,
            stopping=stopping,
            rng=rng,
        )
        total.claimed += report.claimed
        total.released += report.released
        total.outcomes.update(report.outcomes)
        if report.claimed < config.sending.batch_size:
            break
    return total


def release_worker(engine: Engine, config: Config, clock: Clock, worker: str) -> int:
    """Shutdown: put this worker's unstarted claims back in the queue."""
    now = clock.now()
    today = sending_day(config, now)
    with writing(engine) as conn:
        return q.release_claims(conn, worker, now, {name: today for name in config.mailboxes})
