"""One influencer + one campaign step -> the exact bytes that preview shows and SMTP sends.

The template context is built here (docs/CONTRACTS.md "Template context"): plain dicts and
lists of the influencer's public fields, posts, campaign, sender and links. Nothing holding a
secret, the config or an email address is put into it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from outreach.clock import utc
from outreach.config import Config, MailboxConfig, unsubscribe_secret
from outreach.domain.campaign import Campaign
from outreach.domain.influencer import Basis, Influencer, Post
from outreach.domain.optout import sign_unsubscribe
from outreach.domain.people import Recipients, SendTo, recipients, resolve_send_to
from outreach.domain.return_path import return_path_key
from outreach.domain.return_path import sign as sign_return_path
from outreach.errors import RenderError
from outreach.render.message import (
    HeaderValueError,
    MessageDraft,
    UnencodableError,
    build,
    new_message_id,
    single_line,
)
from outreach.render.templates import PitchTemplate, TemplateSet


@dataclass(frozen=True)
class Thread:
    """Earlier messages of the thread, oldest first, and the subject of the first."""

    message_ids: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class Composed:
    message_id: str
    subject: str
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    text: str
    template: str
    language: str
    warnings: tuple[str, ...]
    template_hash: str = ""  # sha256 of the template file's text it was rendered from
    to_address: str = ""  # who is in To (the person, or their agency), before any redirect
    cc: tuple[str, ...] = ()


def _post(post: Post) -> dict[str, Any]:
    return {
        "url": post.url,
        "platform": post.platform,
        "title": post.title,
        "caption": post.caption,
        "label": post.label,
        "published_at": post.published_at,
        "likes": post.likes,
        "comments": post.comments,
        "shares": post.shares,
        "saves": post.saves,
        "views": post.views,
        "interactions": post.interactions,
    }


def influencer_context(
    influencer: Influencer, to: Recipients | None = None, language: str = "ja"
) -> dict[str, Any]:
    """The influencer as templates see it: no email, no legal-basis bookkeeping. `addressee`
    is whom the greeting (the `honorific` filter) addresses: the agency's 担当者 when `To` is
    the agency, the person otherwise."""
    return {
        "name": influencer.name,
        "honorific_name": influencer.honorific_name or influencer.name,
        "agency": influencer.agency,
        "addressee": addressee(influencer, to, language),
        "to_agency": bool(to and to.to_agency),
        "handle": influencer.handle,
        "platform": influencer.platform,
        "followers": influencer.followers,
        "engagement_rate": influencer.engagement_rate,
        "er_rank_pct": influencer.er_rank_pct,
        "tier": str(influencer.tier) if influencer.tier else None,
        "niche": influencer.niche,
        "country": influencer.country,
        "language": influencer.language,
        "tags": list(influencer.tags),
        "custom": dict(influencer.custom),
    }


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    offer = campaign.offer
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "brand": campaign.brand,
        "product": campaign.product,
        "brief": campaign.brief,
        "deliverables": list(campaign.deliverables),
        "dates": dict(campaign.dates),
        "offer": {
            "kind": offer.kind,
            "amount": offer.amount,
            "currency": offer.currency,
            "description": offer.description,
        },
    }


def sender_context(config: Config, language: str) -> dict[str, str]:
    s = config.sender
    ja = language == "ja"
    return {
        "name": (ja and s.name_ja) or s.name,
        "organisation": (ja and s.organisation_ja) or s.organisation,
        "postal_address": (ja and s.postal_address_ja) or s.postal_address,
        "enquiry_email": s.enquiry_email,
    }


def influencer_token(campaign: Campaign, influencer: Influencer) -> str:
    """A stable, opaque per-influencer token for tracking links (no personal data in URLs)."""
    key = f"{campaign.slug}\n{influencer.platform}\n{influencer.handle}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


def tracking_link(config: Config, campaign: Campaign, influencer: Influencer) -> str:
    """The campaign's landing page (else `[tracking] base_url/<campaign>/<token>`) with UTM."""
    return _link_maker(config, campaign)(influencer_token(campaign, influencer))


def _link_maker(config: Config, campaign: Campaign) -> Callable[[str], str]:
    """Everything but the per-influencer token computed once per campaign (it is per message)."""
    t = config.tracking
    utm = urlencode(
        [
            ("utm_source", t.utm_source),
            ("utm_medium", t.utm_medium),
            ("utm_campaign", campaign.slug),
        ]
    )
    if campaign.tracking_target:
        parts = urlsplit(campaign.tracking_target)
        query = f"{parts.query}&{utm}" if parts.query else utm
        head = urlunsplit(parts._replace(query=query, fragment=""))
        tail = f"#{parts.fragment}" if parts.fragment else ""
        return lambda token: f"{head}&utm_content={token}{tail}"
    base = f"{t.base_url.rstrip('/')}/{quote(campaign.slug, safe='')}"
    return lambda token: f"{base}/{token}?{utm}&utm_content={token}"


class Composer:
    """Compiles the workspace's templates once and composes any number of messages."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.templates = TemplateSet(config.templates_dir)
        # Read once; used only to sign tokens, never placed in a template context.
        self._unsubscribe_key = unsubscribe_secret(config)  # ConfigError when too short
        self._senders = {lang: sender_context(config, lang) for lang in ("ja", "en")}
        self._links: dict[str, Callable[[str], str]] = {}
        self._return_path_key = return_path_key(config)  # ConfigError when a return_path lacks it

    def refresh(self) -> bool:
        """Pick up template files changed on disk since they were compiled (True if any)."""
        return self.templates.refresh()

    def unsubscribe_links(
        self,
        campaign: Campaign,
        influencer: Influencer,
        box: MailboxConfig,
        now: datetime | None = None,
    ) -> tuple[str, str]:
        """(one-click https URL or "", mailto URI); the URL's token is issued on `now`'s day."""
        address = self.config.unsubscribe.mailto or box.from_address
        mailto = f"mailto:{address}?subject=unsubscribe"
        if not self._unsubscribe_key:
            return "", mailto
        issued = utc(now or datetime.now(UTC)).date()
        token = sign_unsubscribe(
            self._unsubscribe_key,
            campaign=campaign.slug,
            # a talent reached only through an agency: the agency's address is the one mailed
            email=influencer.email or influencer.manager_email,
            issued=issued,
        )
        return f"{self.config.unsubscribe.base_url}?t={token}", mailto

    def _link(self, campaign: Campaign, influencer: Influencer) -> str:
        key = f"{campaign.slug}\n{campaign.tracking_target}"
        maker = self._links.get(key)
        if maker is None:
            maker = self._links[key] = _link_maker(self.config, campaign)
        return maker(influencer_token(campaign, influencer))

    def context(
        self,
        campaign: Campaign,
        influencer: Influencer,
        *,
        language: str,
        step: int,
        total_steps: int,
        unsubscribe: tuple[str, str],
        to: Recipients | None = None,
    ) -> dict[str, Any]:
        url, mailto = unsubscribe
        ctx: dict[str, Any] = {
            "influencer": influencer_context(influencer, to, language),
            # Which case a template is written for: `to.agency` (the letter goes to the
            # manager and names the talent), `to.cc_agency` (the talent, manager in Cc).
            "to": {
                "agency": bool(to and to.to_agency),
                "cc_agency": bool(to and to.cc),
                "rule": str(to.rule) if to else SendTo.SELF.value,
            },
            "posts": [_post(p) for p in influencer.posts],
            "campaign": campaign_context(campaign.for_language(language)),
            "sender": self._senders[language],
            "step": {"number": step, "total": total_steps},
            "link": self._link(campaign, influencer),
            "unsubscribe": {"url": url or mailto, "mailto": mailto.removeprefix("mailto:")},
        }
        if influencer.posts:  # absent, not None: StrictUndefined names it when a template uses it
            ctx["post"] = ctx["posts"][0]
            top = max(influencer.posts, key=lambda p: p.interactions)
            ctx["top_post"] = _post(top)
        return ctx

    def compose(
        self,
        campaign: Campaign,
        influencer: Influencer,
        *,
        step: int,
        total_steps: int,
        template: str,
        now: datetime,
        thread: Thread | None = None,
        subject: str | None = None,
        mailbox: str | None = None,
        extra: Mapping[str, Any] | None = None,
        send_to: str = "",
    ) -> Composed:
        """Render and build one message; a per-influencer failure raises RenderError.
        `extra`: more template variables (a deal-phase step's `deal` and `late`).
        `send_to`: this enrolment's `to` rule ("" = the campaign's, else the roster's)."""
        tpl = self.templates.resolve(template, influencer.language or "ja")
        box = self.config.mailbox(mailbox or campaign.mailbox)
        unsubscribe = self.unsubscribe_links(campaign, influencer, box, now)
        to = self.recipients(campaign, influencer, send_to)
        ctx = self.context(
            campaign,
            influencer,
            language=tpl.language,
            step=step,
            total_steps=total_steps,
            unsubscribe=unsubscribe,
            to=to,
        )
        if extra:
            ctx.update(extra)
        rendered = tpl.render(ctx, handle=influencer.handle)
        warnings = _warnings(influencer)
        if subject is not None:
            final_subject = subject
            if thread is not None:
                warnings.append("own subject on a follow-up breaks threading in Gmail")
        elif thread is not None:
            final_subject = f"Re: {thread.subject}"
        else:
            final_subject = rendered.subject
        to_address = to.to
        to_name = "" if to.to_agency else _display_name(influencer.name, tpl.language)
        draft = MessageDraft(
            from_name=(tpl.language == "ja" and box.from_name_ja)
            or box.from_name
            or self._senders[tpl.language]["name"],
            from_address=box.from_address,
            to_name=to_name,
            to_address=to_address,
            reply_to=box.reply_to,
            subject=final_subject,
            text=rendered.text,
            html=rendered.html,
            date=now,
            message_id=new_message_id(box.id_domain),
            charset=tpl.charset,
            unsubscribe_url=unsubscribe[0],
            unsubscribe_mailto=unsubscribe[1],
            in_reply_to=thread.message_ids[-1] if thread and thread.message_ids else "",
            references=thread.message_ids if thread else (),
            cc=to.cc,
        )
        raw, draft = self._build(draft, tpl, influencer.handle, warnings, ctx)
        redirect = self.config.safety.redirect_all_to
        return Composed(
            message_id=draft.message_id,
            subject=single_line(draft.subject, "subject"),  # as the header carries it
            mail_from=self._envelope_sender(box, draft.message_id),
            rcpt_to=[redirect] if redirect else [to_address, *to.cc],
            raw=raw,
            text=rendered.text,
            template=tpl.name,
            language=tpl.language,
            warnings=tuple(warnings),
            template_hash=tpl.content_hash,
            to_address=to_address,
            cc=to.cc,
        )

    def recipients(
        self, campaign: Campaign, influencer: Influencer, send_to: str = ""
    ) -> Recipients:
        """Who is in To and Cc: the enrolment's rule, else the campaign's `to =`, else the
        (older) `to_manager` switch of the campaign or [sending], else the roster's default
        (an agency-only talent goes to the agency); see domain.people."""
        rule = send_to or campaign.to
        if not rule:
            to_manager = campaign.to_manager
            if to_manager is None:
                to_manager = self.config.sending.to_manager
            rule = SendTo.AGENCY.value if to_manager else ""
        chosen = resolve_send_to(
            rule, influencer.email, influencer.manager_email, influencer.send_to
        )
        return recipients(influencer.email, influencer.manager_email, chosen)

    def _envelope_sender(self, box: MailboxConfig, message_id: str) -> str:
        """MAIL FROM: the mailbox's signed per-message return path (VERP) when it has one."""
        if box.return_path and self._return_path_key:
            return (
                sign_return_path(box.return_path, self._return_path_key, message_id)
                or box.from_address
            )
        return box.from_address

    def _build(
        self,
        draft: MessageDraft,
        tpl: PitchTemplate,
        handle: str,
        warnings: list[str],
        ctx: dict[str, Any],
    ) -> tuple[bytes, MessageDraft]:
        try:
            try:
                return build(draft), draft
            except UnencodableError as exc:
                if self.config.sending.iso2022jp_fallback != "utf-8":
                    raise
                warnings.append(f"{exc}; sent as UTF-8 instead (iso2022jp_fallback)")
                utf8 = MessageDraft(**{**draft.__dict__, "charset": "utf-8"})
                return build(utf8), utf8
        except (UnencodableError, HeaderValueError) as exc:
            line = tpl.subject_line if exc.field == "subject" else None
            message = str(exc)
            if isinstance(exc, UnencodableError):
                source = _data_holding(ctx, exc.char)
                message += f" (from {source})" if source else ""
            raise RenderError(message, template=tpl.name, line=line, handle=handle) from None


def _data_holding(node: Any, char: str, path: str = "") -> str | None:
    """The context path (e.g. `influencer.name`) of the first value containing `char`, so
    ops know which roster field to fix."""
    if isinstance(node, str):
        return path if char in node else None
    items: Any = ()
    if isinstance(node, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
    elif isinstance(node, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(node))
    for sub_path, value in items:
        found = _data_holding(value, char, sub_path)
        if found:
            return found
    return None


def addressee(influencer: Influencer, to: Recipients | None, language: str = "ja") -> str:
    """Who a greeting names, without the honorific: 「株式会社〇〇 ご担当 △△」 (the manager's
    name from the roster's 担当者 column; else 「〇〇 ご担当者」) when `To` is the agency, else
    the person's honorific name. In English: "Suzuki at Sakura Pro", else "Sakura Pro team"."""
    if to is None or not to.to_agency:
        return influencer.honorific_name or influencer.name
    manager = str(influencer.custom.get("manager") or "").strip()
    agency = influencer.agency or str(influencer.custom.get("agency") or "").strip()
    if language == "ja":
        if manager:
            return f"{agency} ご担当 {manager}".strip()
        return f"{agency} ご担当者".strip()
    if manager:
        return f"{manager} at {agency}" if agency else manager
    return f"{agency} team" if agency else "team"


def _display_name(name: str, language: str) -> str:
    return f"{name} 様" if language == "ja" and name else name


def _warnings(influencer: Influencer) -> list[str]:
    out = []
    if influencer.basis == Basis.NONE:
        out.append("no legal basis recorded (basis = none): enrolment will refuse this influencer")
    if influencer.refuses_ads:
        out.append("influencer refuses advertising mail (refuses_ads): enrolment will refuse")
    return out


def compose_message(
    config: Config, campaign: Campaign, influencer: Influencer, **kw: Any
) -> Composed:
    """One-off convenience: a fresh Composer for a single message."""
    return Composer(config).compose(campaign, influencer, **kw)
