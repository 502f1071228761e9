"""`outreach preview --send-to`: the exact draft sent through the campaign's mailbox to a team
address, as a proof to read in a real mail client.

Only headers change: To is the given address (the envelope's only recipient too), Subject
starts with `[TEST] `, the Message-ID is fresh (the real send keeps its own), the original
recipient is named in `X-Outreach-Proof-For`, and the List-Unsubscribe headers are dropped so
that no client offers a one-click button that would unsubscribe the influencer. The body is
byte for byte the draft's. A proof is recorded in `proof`, never in the outbox or an
enrolment: it is no contact, starts no cooldown and moves no stage.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from sqlalchemy import Engine, insert

from outreach.clock import naive_utc
from outreach.config import Config, email_address
from outreach.domain.outbox import Outcome
from outreach.errors import InputError
from outreach.render.compose import Composed, Composer
from outreach.render.message import new_message_id
from outreach.services.mailbox.once import send_once
from outreach.services.send.preview import chooser, compose_step
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.files import load_sequence
from outreach.store.queries.roster import load_influencers
from outreach.store.queries.variants import recorded_by_influencer, stopped
from outreach.store.schema import proof
from outreach.store.session import reading, writing
from outreach.transport.smtp import SendResult

PROOF_HEADER = b"X-Outreach-Proof-For"
_DROPPED = (b"to", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post")


@dataclass(frozen=True)
class ProofSent:
    handle: str
    step: int
    sent_to: str
    original_to: str
    message_id: str
    raw: bytes  # the bytes sent
    draft: Composed  # the draft as preview shows it
    accepted: bool
    reply: str  # what the server said


def checked_address(raw: str) -> str:
    """The --send-to address, checked as roster addresses are (email-validator)."""
    try:
        return email_address(raw)
    except ValueError as exc:
        raise InputError(f"{raw!r} is not one email address: {exc}", field="--send-to") from None


def _headers(head: bytes) -> list[bytes]:
    """Header fields, each with its folded continuation lines."""
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields


def _name(field: bytes) -> bytes:
    return field.split(b":", 1)[0].strip().lower()


def proof_bytes(raw: bytes, send_to: str, message_id: str) -> tuple[bytes, str]:
    """The draft with a proof's headers (see the module's docstring) and its original To
    addresses; the body is untouched."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    fields = _headers(head)
    original = b" ".join(
        re.sub(rb"\r\n[ \t]+", b" ", f.split(b":", 1)[1]).strip()
        for f in fields
        if _name(f) == b"to"
    ).decode("ascii")
    recipients = ", ".join(addr for _, addr in getaddresses([original]) if addr)
    out: list[bytes] = []
    for f in fields:
        name = _name(f)
        if name in _DROPPED:
            continue
        if name == b"subject":
            value = f.split(b":", 1)[1].lstrip(b" ")
            f = b"Subject: [TEST] " + value
        out.append(f)
    out += [
        b"To: " + send_to.encode("ascii"),
        b"Message-ID: " + message_id.encode("ascii"),
        PROOF_HEADER + b": " + recipients.encode("ascii"),
    ]
    return b"\r\n".join(out) + sep + body, recipients


def _reply(result: SendResult) -> str:
    said = " ".join(str(p) for p in (result.code, result.text) if p)
    return said or result.exception_type or f"{result.outcome.value} at {result.phase}"


def send_proofs(
    config: Config,
    engine: Engine,
    slug: str,
    *,
    handles: Sequence[str],
    send_to: str,
    step: int,
    now: datetime,
) -> Iterator[ProofSent]:
    """Compose each handle's draft as preview does and send it to `send_to` only; an accepted
    proof is recorded. A render error is raised as preview reports it."""
    to = checked_address(send_to)
    campaign = load_campaign(config, slug)
    steps = load_sequence(config, campaign.sequence).steps
    if not 1 <= step <= len(steps):
        raise InputError(
            f"step {step} does not exist", field="--step", hint=f"sequence has {len(steps)} step(s)"
        )
    box = config.mailbox(campaign.mailbox)
    composer = Composer(config)
    with reading(engine) as conn:
        people = list(load_influencers(conn, handles=handles))
        recorded = recorded_by_influencer(conn, campaign.slug)
        stops = stopped(conn, [campaign.slug])
    missing = [h for h in handles if h.lstrip("@") not in {p.handle for p in people}]
    if missing:
        raise InputError(
            f"not in the roster: {', '.join(missing)}",
            field="--influencer",
            hint="outreach import influencers FILE",
        )
    for person in people:
        # each person's own variant, as preview shows it; RenderError: as preview
        choose = chooser(steps, campaign.slug, int(person.id or 0), recorded, stops)
        draft = compose_step(composer, campaign, person, steps, step, now, choose=choose)
        message_id = new_message_id(box.id_domain)
        raw, original = proof_bytes(draft.raw, to, message_id)
        result = asyncio.run(send_once(config, engine, campaign.mailbox, [to], raw))
        accepted = result.outcome is Outcome.SENT
        reply = _reply(result)
        if accepted:
            with writing(engine) as conn:
                conn.execute(
                    insert(proof).values(
                        campaign=campaign.slug,
                        influencer_id=person.id,
                        step=step,
                        sent_to=to,
                        message_id=message_id,
                        sent_at=naive_utc(now),
                        smtp_reply=reply[:2000],
                    )
                )
        yield ProofSent(person.handle, step, to, original, message_id, raw, draft, accepted, reply)
