"""`[digest]`: a daily or weekly summary mail to the team, sent through a configured mailbox.

It holds the human replies that arrived since the last digest, the work queue (`todo`: counts
per kind and the oldest items) and the headline KPIs of each live (active) campaign, rendered
from `templates/<template>.<language>.j2`, with each live campaign's HTML report attached.

The template is rendered by a plain Jinja2 `SandboxedEnvironment` (autoescape off: the mail is
text), not the pitch environment, whose context and filters are about one influencer. Like a
pitch it opens with a TOML front matter between `---` lines holding `subject`.

The digest is internal mail: never an outbox row, never to an influencer, no unsubscribe
footer. Which periods were sent is kept in the `digest_period` table: a period's row is
inserted before the send (so two daemons on one database, or a restart, never send one period
twice), stamped when the server accepted the mail and deleted again if it refused it.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Engine, select

from outreach.clock import Clock, FixedClock, naive_utc, utc
from outreach.config import Config, DigestConfig
from outreach.domain.outbox import Outcome
from outreach.errors import ConfigError, InputError
from outreach.render.message import new_message_id
from outreach.services.mailbox.once import send_once
from outreach.services.report.document import build
from outreach.services.report.funnel import template_names
from outreach.services.report.labels import language_for
from outreach.services.report.render import to_html
from outreach.services.report.todo import KINDS, todo
from outreach.store.queries import digest as claims
from outreach.store.queries.report import _inbound_at, _kind
from outreach.store.schema import campaign, enrollment, inbound, influencer
from outreach.store.session import reading
from outreach.transport.smtp import SendResult

TOP_ITEMS = 10
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HEADLINE = ("sent", "replied", "interested", "contracted", "posted", "converted")


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    attachments: list[tuple[str, str]]  # (file name, HTML)
    period: str
    since: datetime  # UTC: replies after this are new


def settings(config: Config) -> DigestConfig:
    if config.digest is None:
        raise ConfigError(
            "no [digest] table in the config", file=config.source, hint="see README: [digest]"
        )
    return config.digest


def period_start(cfg: DigestConfig, now: datetime, zone: ZoneInfo) -> datetime:
    """The latest scheduled moment at or before `now` (aware, in `zone`)."""
    local = now.astimezone(zone)
    hour, minute = (int(p) for p in cfg.at.split(":"))
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if cfg.every == "daily":
        return moment if moment <= local else moment - timedelta(days=1)
    moment -= timedelta(days=(local.weekday() - WEEKDAYS.index(cfg.weekday)) % 7)
    return moment if moment <= local else moment - timedelta(days=7)


def period_key(cfg: DigestConfig, now: datetime, zone: ZoneInfo) -> str:
    return f"{cfg.every}-{period_start(cfg, now, zone).date().isoformat()}"


def new_replies(engine: Engine, since: datetime) -> list[dict[str, Any]]:
    """Human replies (reply or decline, as classified or resolved) that arrived after `since`."""
    at = _inbound_at.label("at")
    query = (
        select(
            at,
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            inbound.c.subject,
            inbound.c.text,
            _kind.label("kind"),
        )
        .select_from(inbound)
        .join(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(_kind.in_(("reply", "decline")), _inbound_at > naive_utc(since))
        .order_by(_inbound_at, inbound.c.id)
    )
    with reading(engine) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return rows


def live_campaigns(engine: Engine) -> list[str]:
    with reading(engine) as conn:
        query = select(campaign.c.slug).where(campaign.c.status == "active")
        return list(conn.scalars(query.order_by(campaign.c.slug)))


def _template(config: Config, name: str, language: str) -> tuple[str, str]:
    """The template's file name and text."""
    path = config.templates_dir / f"{name}.{language}.j2"
    if not path.is_file():
        raise InputError(
            f"digest template {path} does not exist",
            field="[digest] template",
            hint="copy templates/digest.*.j2 from the sample workspace",
        )
    return str(path), path.read_text(encoding="utf-8")


def _split(text: str, file: str) -> tuple[str, str]:
    """(subject template, body with the front matter as blank lines: line numbers hold)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in [s.strip() for s in lines[1:]]:
        raise InputError(
            f"{file}:1: the template must open with a --- front matter holding subject"
        )
    end = 1 + [s.strip() for s in lines[1:]].index("---")
    try:
        front = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{file}:2: front matter: {exc}") from None
    subject = front.get("subject")
    if not isinstance(subject, str):
        raise InputError(f'{file}:1: the front matter needs subject = "..."')
    return subject, "\n" * (end + 1) + "\n".join(lines[end + 1 :])


def render_text(file: str, text: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) rendered; a Jinja2 error is raised as `file:line: message`."""
    env = SandboxedEnvironment(
        autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    subject_src, body_src = _split(text, file)
    try:
        body = env.from_string(body_src).render(context)
        subject = env.from_string(subject_src).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"{file}:{exc.lineno}: {exc.message}") from None
    except Exception as exc:  # any failure inside the template: report where it happened
        raise InputError(f"{file}:{_line(exc)}: {type(exc).__name__}: {exc}") from None
    return " ".join(subject.split()), body.lstrip("\n")


def _line(exc: BaseException) -> int | str:
    tb = exc.__traceback__
    line: int | str = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def context(config: Config, engine: Engine, now: datetime, since: datetime) -> dict[str, Any]:
    zone = ZoneInfo(config.display_timezone)

    def show(at: datetime | None) -> str:
        return utc(at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    replies = [
        {
            "at": show(r["at"]),
            "campaign": r["campaign"],
            "handle": f"@{r['handle']}",
            "kind": r["kind"],
            "subject": r["subject"],
            "text": " ".join(str(r["text"]).split())[:200],
        }
        for r in new_replies(engine, since)
    ]
    items = todo(engine, FixedClock(now))
    counts = Counter(i.kind for i in items)
    language = language_for(config.workspace.report_language, config.display_timezone)
    names = template_names(config.templates_dir)
    campaigns = []
    for slug in live_campaigns(engine):
        doc = build(engine, slug, zone=zone, language=language, now=now, templates=names)
        funnel = {row["stage"]: row["count"] for row in doc["funnel"]}
        campaigns.append(
            {
                "slug": slug,
                **{k: funnel.get(k, 0) for k in HEADLINE},
                **doc["headline"],
                "report": doc,
            }
        )
    return {
        "now": show(now),
        "since": show(since),
        "timezone": zone.key,
        "language": language,
        "replies": replies,
        "todo": {
            "total": len(items),
            "counts": [{"kind": k, "count": counts[k]} for k in KINDS if counts[k]],
            "top": [
                {
                    "since": show(i.since),
                    "kind": i.kind,
                    "campaign": i.campaign,
                    "who": i.who,
                    "what": i.what,
                    "action": i.action,
                }
                for i in items[:TOP_ITEMS]
            ],
        },
        "campaigns": campaigns,
    }


def compose(config: Config, engine: Engine, now: datetime) -> Digest:
    """The digest due at `now`; nothing is sent or recorded."""
    cfg = settings(config)
    config.mailbox(cfg.mailbox)  # an unknown mailbox is a config error before any work
    zone = ZoneInfo(config.display_timezone)
    start = period_start(cfg, now, zone)
    length = timedelta(days=1 if cfg.every == "daily" else 7)
    since = claims.last_sent(engine) or (start - length).astimezone(UTC)
    language = language_for(config.workspace.report_language, config.display_timezone)
    file, text = _template(config, cfg.template, language)
    ctx = context(config, engine, now, since)
    subject, body = render_text(file, text, ctx)
    attachments = (
        [(f"report-{c['slug']}.html", to_html(c["report"])) for c in ctx["campaigns"]]
        if cfg.attach_report
        else []
    )
    return Digest(subject, body, attachments, period_key(cfg, now, zone), since)


def message_bytes(config: Config, digest: Digest, now: datetime) -> bytes:
    cfg = settings(config)
    box = config.mailbox(cfg.mailbox)
    msg = EmailMessage()
    msg["From"] = formataddr((config.sender.name, box.from_address))
    msg["To"] = ", ".join(cfg.to)
    msg["Subject"] = digest.subject
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = new_message_id(box.id_domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a generated mail
    msg.set_content(digest.text, charset="utf-8")
    for name, html in digest.attachments:
        msg.add_attachment(html.encode("utf-8"), "text", "html", filename=name)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@dataclass(frozen=True)
class Sent:
    period: str
    accepted: bool
    reply: str
    raw: bytes


async def send_now(config: Config, engine: Engine, now: datetime) -> Sent:
    """Compose and send the digest now, whatever was sent before (`outreach digest --send`);
    the period is recorded as sent when the server accepted it."""
    digest = compose(config, engine, now)
    raw = message_bytes(config, digest, now)
    result = await send_once(config, engine, settings(config).mailbox, settings(config).to, raw)
    accepted = result.outcome is Outcome.SENT
    if accepted:
        claims.record_sent(engine, digest.period, settings(config).mailbox, now, _message_id(raw))
    return Sent(digest.period, accepted, _reply(result), raw)


async def send_due(config: Config, engine: Engine, clock: Clock) -> Sent | None:
    """The daemon's job: the current period's digest, unless that period was claimed already.
    The claim comes first; a refused send gives it back for the next tick."""
    if config.digest is None:
        return None
    now = clock.now()
    cfg = config.digest
    key = period_key(cfg, now, ZoneInfo(config.display_timezone))
    if claims.claimed(engine, key):
        return None
    # SQLite reads and Jinja2 block: off the daemon's event loop. A template error raises
    # before the claim.
    digest = await asyncio.to_thread(compose, config, engine, now)
    if not claims.claim(engine, key, cfg.mailbox, now):
        return None
    try:
        raw = message_bytes(config, digest, now)
        result = await send_once(config, engine, settings(config).mailbox, settings(config).to, raw)
    except BaseException:
        claims.release(engine, key)
        raise
    if result.outcome is not Outcome.SENT:
        claims.release(engine, key)
    else:
        claims.mark_sent(engine, key, now, _message_id(raw))
    return Sent(key, result.outcome is Outcome.SENT, _reply(result), raw)


def _message_id(raw: bytes) -> str:
    return str(BytesHeaderParser().parsebytes(raw)["Message-ID"] or "")


def _reply(result: SendResult) -> str:
    said = " ".join(str(p) for p in (result.code, result.text) if p)
    return said or result.exception_type or f"{result.outcome.value} at {result.phase}"
