"""`outreach preview`: the exact messages a campaign step would send, one per influencer.

Same Composer and bytes as sending. A render error for one influencer is yielded as an item
with the error (template, line, handle) and the others still render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from outreach.config import Config
from outreach.domain.campaign import Campaign
from outreach.domain.deal import Terms, template_context
from outreach.domain.influencer import Influencer
from outreach.domain.sequence import PITCH, Step, Variant
from outreach.domain.variants import resolve_in
from outreach.errors import InputError, RenderError
from outreach.render.compose import Composed, Composer, Thread
from outreach.services.lint import LintFinding, lint_message
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.files import load_sequence, recipient_of
from outreach.store.queries.board import enrollments_of
from outreach.store.queries.deals import accepted_pieces
from outreach.store.queries.people import enrolment_rules
from outreach.store.queries.roster import load_influencers
from outreach.store.queries.variants import recorded_by_influencer, stopped
from outreach.store.session import reading


@dataclass(frozen=True)
class PreviewItem:
    handle: str
    step: int
    composed: Composed | None
    error: RenderError | None
    findings: tuple[LintFinding, ...] = ()  # pitch lint on this exact draft
    variant: str = ""  # the step's variant shown ("" = the step has none)


def compose_step(
    composer: Composer,
    campaign: Campaign,
    influencer: Influencer,
    steps: Sequence[Step],
    step: int,
    now: datetime,
    extra: dict[str, Any] | None = None,
    send_to: str = "",
    choose: Callable[[Step], Variant | None] | None = None,
) -> Composed:
    """Step `step` (1-based) as it would go out, threaded under the earlier steps' messages;
    `extra`: the `deal` and `late` a deal-phase step renders; `send_to`: the enrolment's own
    `to` rule, if it has one; `choose`: the variant each step with variants sends (default:
    the first)."""
    thread: Thread | None = None
    composed: Composed | None = None
    pitch = sum(1 for s in steps if s.phase == PITCH)
    for number, spec in enumerate(steps[:step], start=1):
        variant = choose(spec) if choose is not None else None
        composed = composer.compose(
            campaign,
            influencer,
            step=number,
            total_steps=pitch if spec.phase == PITCH else len(steps),
            template=variant.template if variant else spec.template,
            now=now,
            thread=thread,
            subject=(variant.subject or spec.subject) if variant else spec.subject,
            extra=extra if spec.phase != PITCH else None,
            send_to=send_to,
        )
        ids = (thread.message_ids if thread else ()) + (composed.message_id,)
        thread = Thread(message_ids=ids, subject=thread.subject if thread else composed.subject)
    assert composed is not None
    return composed


def chooser(
    steps: Sequence[Step],
    slug: str,
    person: int,
    recorded: dict[int, dict[str, str]],
    stops: dict[tuple[str, int], frozenset[str]],
    force: str | None = None,
    at_step: int = 0,
) -> Callable[[Step], Variant | None]:
    """The variant each step sends `person` (recorded, else as planning will give it), with
    variant `force` instead at step `at_step` (preview --variant)."""

    def choose(spec: Step) -> Variant | None:
        if force is not None and spec.number == at_step:
            return spec.variant(force)
        return resolve_in(
            steps,
            spec,
            slug,
            person,
            recorded.get(person, {}),
            lambda number: stops.get((slug, number), frozenset()),
        )

    return choose


def preview(
    config: Config,
    engine: Engine,
    slug: str,
    *,
    now: datetime,
    handles: Sequence[str] | None = None,
    step: int = 1,
    limit: int | None = None,
    variant: str | None = None,
) -> Iterator[PreviewItem]:
    """One item per influencer of the roster (or of `handles`), streamed. A deal-phase step
    ([[after_deal]], [reminder]) renders each person's accepted deal; someone without one
    is an error item. A step with variants shows each person's variant (the one recorded on
    their enrolment, else the one planning would give them); `variant` shows that one for
    everybody instead, and `all` one item per variant."""
    campaign = load_campaign(config, slug)
    steps = load_sequence(config, campaign.sequence).all_steps
    if not 1 <= step <= len(steps):
        raise InputError(
            f"step {step} does not exist", field="--step", hint=f"sequence has {len(steps)} step(s)"
        )
    shown = steps[step - 1]
    forced: list[str | None] = [None]
    if variant is not None:
        names = [v.name for v in shown.variants]
        if not names:
            raise InputError(f"step {step} has no variants", field="--variant")
        if variant != "all" and variant not in names:
            raise InputError(
                f"step {step} has no variant {variant!r}",
                field="--variant",
                hint=f"its variants: {', '.join(names)} (or all)",
            )
        forced = list(names) if variant == "all" else [variant]
    composer = Composer(config)
    seen: set[str] = set()
    with reading(engine) as conn:
        rules = enrolment_rules(conn, campaign.slug)
        recorded = recorded_by_influencer(conn, campaign.slug)
        stops = stopped(conn, [campaign.slug])
        people = load_influencers(conn, handles=handles, limit=limit)
        for influencer, force in ((i, f) for i in people for f in forced):
            seen.add(influencer.handle)
            extra: dict[str, Any] | None = None
            spec = steps[step - 1]
            if spec.phase != PITCH:
                extra = _deal_of(conn, config, campaign, influencer, now)
                if extra is None:
                    yield PreviewItem(
                        influencer.handle,
                        step,
                        None,
                        RenderError(
                            f"no accepted deal in {campaign.slug}: step {step} ({spec.template}) "
                            "is sent after `outreach deal accept`",
                            template=f"{config.templates_dir.name}/{spec.template}",
                            line=None,
                            handle=influencer.handle,
                        ),
                    )
                    continue
            person = int(influencer.id or 0)
            choose = chooser(steps, campaign.slug, person, recorded, stops, force, step)

            given = choose(shown)
            name = given.name if given else ""
            try:
                composed = compose_step(
                    composer,
                    campaign,
                    influencer,
                    steps,
                    step,
                    now,
                    extra,
                    send_to=rules.get(person, ""),
                    choose=choose,
                )
            except RenderError as exc:
                yield PreviewItem(influencer.handle, step, None, exc, variant=name)
            else:
                findings = lint_message(config, composed, influencer, step=step, now=now)
                yield PreviewItem(influencer.handle, step, composed, None, tuple(findings), name)
    missing = [h for h in handles or () if h.lstrip("@") not in seen]
    if missing:
        raise InputError(
            f"not in the roster: {', '.join(missing)}",
            field="--influencer",
            hint="outreach import influencers FILE",
        )


def _deal_of(
    conn: Connection, config: Config, campaign: Campaign, influencer: Influencer, now: datetime
) -> dict[str, Any] | None:
    """`deal` and `late` of the influencer's accepted deal in the campaign, as of the
    recipient's date today; None without one."""
    if influencer.id is None:
        return None
    rows = enrollments_of(conn, int(influencer.id), campaign.slug)
    found = accepted_pieces(conn, [int(rows[0]["id"])]).get(int(rows[0]["id"])) if rows else None
    if found is None:
        return None
    where = recipient_of(config, influencer.timezone, influencer.country, campaign.closed)
    today = now.astimezone(ZoneInfo(where.tz)).date()
    return template_context(Terms.from_json(found[0]), found[1], today)


def describe(error: RenderError) -> str:
    """`templates/pitch.ja.j2:7: influencer @hanako: 'nickname' is undefined`."""
    where = error.template if error.line is None else f"{error.template}:{error.line}"
    return f"{where}: influencer @{error.handle}: {error.message}"


_SHOWN = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


def readable(composed: Composed) -> str:
    """Headers decoded as a mail client shows them, then the text: the `text` preview."""
    message = BytesParser(policy=policy.default).parsebytes(composed.raw)
    lines = [f"{name}: {message[name]}" for name in _SHOWN if message[name] is not None]
    headed = [a.addr_spec for h in ("To", "Cc") if message[h] for a in message[h].addresses]
    if composed.rcpt_to != headed:
        lines.append(f"(envelope to: {', '.join(composed.rcpt_to)})")
    lines += [f"(warning: {w})" for w in composed.warnings]
    return "\n".join(lines) + "\n\n" + composed.text


def eml_name(item: PreviewItem) -> str:
    """`<handle>-step<N>.eml` (`<handle>-step<N>-<variant>.eml` for a step with variants), with
    anything but [A-Za-z0-9._-] in the handle and variant made `_`."""
    handle = re.sub(r"[^A-Za-z0-9._-]", "_", item.handle).lstrip(".")
    variant = re.sub(r"[^A-Za-z0-9._-]", "_", item.variant)
    return f"{handle}-step{item.step}{'-' + variant if variant else ''}.eml"
