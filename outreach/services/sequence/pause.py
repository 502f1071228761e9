"""Pause and resume: one influencer, a whole campaign, or a mailbox.

A paused sequence keeps its place. Resuming continues at the step where it stopped, due one
step delay after the resume, inside the recipient's window; the time spent paused never
counts as waiting. A mailbox pause (by hand or by the breaker) holds its claims; the
breaker's pause is lifted by `mailbox resume` or when the mailbox's settings change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine

from outreach.clock import Clock, naive_utc
from outreach.config import Config, MailboxConfig, OAuth2Config, secret
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.sequence import Sequence
from outreach.domain.windows import next_send_time
from outreach.errors import ConfigError, InputError, StageError, UserError
from outreach.services.sequence.campaigns import campaign_closures
from outreach.services.sequence.files import recipient_of, sequence_or_error, window_for
from outreach.store.queries import campaign as campaign_q
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import pause as q
from outreach.store.queries.roster import find_influencer
from outreach.store.queries.stages import note_history
from outreach.store.session import writing


@dataclass
class PauseReport:
    """What a pause or resume did: per campaign, and what it could not touch."""

    done: list[tuple[str, str, datetime | None]] = field(
        default_factory=list
    )  # campaign, handle, due
    in_flight: int = 0  # rows already handed to SMTP: they still go out
    skipped: list[tuple[str, str]] = field(default_factory=list)  # handle or campaign, why


def _influencer_id(conn: Connection, key: str) -> int:
    found = find_influencer(conn, key)
    if found is None or found.id is None:
        raise InputError(
            f"no influencer {key!r}",
            field="influencer",
            hint="give an address, @handle or platform:handle",
        )
    return int(found.id)


def _resume_time(
    config: Config, h: q.Held, now: datetime, sequences: dict[str, Sequence | UserError]
) -> datetime | UserError:
    """One step delay after `now`, inside the step's window, in the recipient's calendar."""
    seq = sequence_or_error(config, h.sequence, sequences)
    if isinstance(seq, UserError):
        return seq
    step = seq.find(h.next_step)  # a pitch step or one of the deal phase
    if step is None:
        return now  # nothing left to send: the planner completes it
    where = recipient_of(config, h.timezone, h.country, campaign_closures(config, h.campaign))
    after = step.delay.after(now, tz=where.tz, country=where.country, closed=where.closed)
    return next_send_time(
        after, window_for(config, step), tz=where.tz, country=where.country, closed=where.closed
    )


def resume_held(
    conn: Connection,
    config: Config,
    found: list[q.Held],
    now: datetime,
    report: PauseReport,
    cause: str,
) -> None:
    """Resume these paused enrollments (inside the caller's transaction), each due one step
    delay after `now`; a broken sequence file is reported, and that enrollment stays paused."""
    sequences: dict[str, Sequence | UserError] = {}
    for h in found:
        until = _resume_time(config, h, now, sequences)
        if isinstance(until, UserError):
            report.skipped.append((h.handle, f"{h.campaign}: {until}"))
            continue
        if q.resume_enrollment(conn, h.id, until, at=now):
            report.done.append((h.campaign, h.handle, until))
            note_history(
                conn,
                h.id,
                stage=q.stage_of(conn, h.id),
                cause=cause,
                note=f"sequence resumed at step {h.next_step}, due "
                f"{naive_utc(until):%Y-%m-%d %H:%M} UTC",
                at=naive_utc(now),
            )


def pause(
    engine: Engine,
    clock: Clock,
    key: str,
    *,
    campaign: str | None = None,
    reason: str = q.PAUSED_BY_HAND,
) -> PauseReport:
    """Pause one influencer's live sequences (in one campaign, or all of them)."""
    now = clock.now()
    report = PauseReport()
    with writing(engine) as conn:
        iid = _influencer_id(conn, key)
        ids = q.live_enrollments(conn, influencer_id=iid, campaign_slug=campaign)
        if not ids:
            where = f" in campaign {campaign!r}" if campaign else ""
            raise StageError(
                f"{key} has no live sequence to pause{where}",
                hint="see `outreach history` for what stopped it",
            )
        report.in_flight = q.pause_enrollments(conn, ids, reason=reason, at=now)
        for eid in ids:
            note_history(
                conn,
                eid,
                stage=q.stage_of(conn, eid),
                cause="command",
                note=f"sequence {reason}",
                at=naive_utc(now),
            )
    report.done = [(campaign or "", key, None) for _ in ids]
    return report


def resume(
    engine: Engine, config: Config, clock: Clock, key: str, *, campaign: str | None = None
) -> PauseReport:
    """Resume one influencer's sequences that were paused by hand (not those of a paused
    campaign: resume the campaign)."""
    now = clock.now()
    report = PauseReport()
    with writing(engine) as conn:
        iid = _influencer_id(conn, key)
        found = q.held(conn, reasons=[q.PAUSED_BY_HAND], influencer_id=iid, campaign_slug=campaign)
        held_by_campaign = q.held(
            conn, reasons=[q.PAUSED_WITH_CAMPAIGN], influencer_id=iid, campaign_slug=campaign
        )
        report.skipped = [
            (h.handle, f"campaign {h.campaign} is paused: `outreach campaign resume {h.campaign}`")
            for h in held_by_campaign
        ]
        if not found and not held_by_campaign:
            raise StageError(f"{key} has no paused sequence", hint="see `outreach history`")
        resume_held(conn, config, found, now, report, "command")
    return report


def set_campaign(
    engine: Engine, config: Config, clock: Clock, slug: str, action: str
) -> PauseReport:
    """`pause`, `resume` or `archive` a campaign: its status and every enrollment it holds."""
    now = clock.now()
    report = PauseReport()
    with writing(engine) as conn:
        status = campaign_q.campaign_status(conn, slug)
        if status == "archived":
            raise StageError(f"campaign {slug} is archived", hint="an archived campaign stays so")
        if action == "pause":
            if status == "paused":
                raise StageError(f"campaign {slug} is already paused")
            ids = q.live_enrollments(conn, campaign_slug=slug)
            report.in_flight = q.pause_enrollments(conn, ids, reason=q.PAUSED_WITH_CAMPAIGN, at=now)
            report.done = [(slug, "", None) for _ in ids]
            campaign_q.set_campaign_status(conn, slug, "paused", at=naive_utc(now))
        elif action == "resume":
            if status != "paused":
                raise StageError(f"campaign {slug} is not paused")
            found = q.held(conn, reasons=[q.PAUSED_WITH_CAMPAIGN], campaign_slug=slug)
            resume_held(conn, config, found, now, report, "command")
            campaign_q.set_campaign_status(conn, slug, "active", at=naive_utc(now))
        elif action == "archive":
            ids = q.live_enrollments(conn, campaign_slug=slug)
            ids += q.live_enrollments(conn, campaign_slug=slug, status=EnrollmentStatus.PAUSED)
            report.in_flight = q.archive_enrollments(conn, ids, at=now)
            report.done = [(slug, "", None) for _ in ids]
            campaign_q.set_campaign_status(conn, slug, "archived", at=naive_utc(now))
        else:
            raise InputError(f"unknown action {action!r}", field="action")
    return report


# --- Mailboxes ----------------------------------------------------------------------------


def _mailbox(config: Config, name: str) -> MailboxConfig:
    return config.mailbox(name)  # ConfigError naming the configured ones


def pause_mailbox(engine: Engine, config: Config, name: str) -> None:
    _mailbox(config, name)
    with writing(engine) as conn:
        mailbox_q.pause_mailbox(conn, name)


def resume_mailbox(engine: Engine, config: Config, name: str) -> str:
    """Lift the mailbox's pause; returns why it was paused ('' when it was not)."""
    _mailbox(config, name)
    with writing(engine) as conn:
        return mailbox_q.resume_mailbox(conn, name)


def fingerprint(box: MailboxConfig) -> str:
    """What a send through this mailbox depends on, the password only as a hash: a change
    means the operator fixed something, so a breaker pause should not outlive it."""
    smtp = box.smtp
    password = secret(smtp.password_env) or ""
    parts = [
        smtp.host,
        str(smtp.port),
        str(smtp.security),
        smtp.username,
        smtp.password_env,
        hashlib.sha256(password.encode("utf-8")).hexdigest(),
        box.from_address,
    ]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def note_mailbox_configs(engine: Engine, config: Config, clock: Clock) -> dict[str, str]:
    """At start: store each mailbox's settings fingerprint; lift breaker pauses whose settings
    changed. Returns {mailbox: the lifted pause's reason}."""
    now = clock.now()
    lifted: dict[str, str] = {}
    with writing(engine) as conn:
        for name, box in sorted(config.mailboxes.items()):
            why = mailbox_q.note_mailbox_config(conn, name, fingerprint(box), now)
            if why:
                lifted[name] = why
    return lifted


def missing_secrets(config: Config) -> list[str]:
    """Each configured secret whose environment variable is unset or empty, as
    'mailboxes.NAME.smtp.password_env: VARIABLE is not set'."""
    missing = []
    for name, box in sorted(config.mailboxes.items()):
        if box.oauth2 is not None and box.auth == "oauth2":  # no password: the token key
            oauth = f"mailboxes.{name}.oauth2"
            for key, env in (("key_env", box.oauth2.key_env), *_client_secret(box.oauth2)):
                if not secret(env):
                    missing.append(f"{oauth}.{key}: environment variable {env} is not set")
            continue
        places = [(f"mailboxes.{name}.smtp", box.smtp.password_env, bool(box.smtp.username))]
        inbox = box.inbox
        places.append((f"mailboxes.{name}.inbox", inbox.password_env, inbox.source == "imap"))
        for where, env, needed in places:
            if needed and env and not secret(env):
                missing.append(f"{where}.password_env: environment variable {env} is not set")
    return missing


def _client_secret(cfg: OAuth2Config) -> list[tuple[str, str]]:
    return [("client_secret_env", cfg.client_secret_env)] if cfg.client_secret_env else []


def check_secrets(config: Config) -> None:
    """ConfigError naming every unset secret: never log in with an empty password."""
    missing = missing_secrets(config)
    if missing:
        raise ConfigError("; ".join(missing), hint="export the variable(s), then start again")
