"""`outreach todo`: what a marketer should do today, oldest first.

Who is waiting on us (their reply is newer than our last message), deals whose latest offer
came from the creator, deliverables past their due date, inbound mail that needs review,
outbox rows in `unknown`, paused campaigns and mailboxes that cannot send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from outreach.clock import Clock, naive_utc, utc
from outreach.store.queries import deals as deals_q
from outreach.store.queries import report as q
from outreach.store.session import reading

KINDS = ("reply", "deal", "late", "review", "unknown", "held", "mailbox")


@dataclass(frozen=True)
class Item:
    kind: str
    since: datetime | None  # UTC; when the item started waiting
    campaign: str
    who: str
    what: str
    action: str  # the command that deals with it


def todo(engine: Engine, clock: Clock, campaign: str | None = None) -> list[Item]:
    now = clock.now()
    today = now.astimezone(UTC)
    with reading(engine) as conn:
        waiting = q.waiting_on_us(conn, campaign)
        deals = q.deals_awaiting_us(conn, campaign)
        late = deals_q.late_rows(conn, today.date(), campaign)
        review = q.needs_review(conn) if campaign is None else []
        unknown = q.unknown_outbox(conn, campaign)
        held = q.held_campaigns(conn, campaign)
        boxes = q.paused_mailboxes(conn, naive_utc(now)) if campaign is None else []
    items: list[Item] = []
    for r in waiting:
        items.append(
            Item(
                "reply",
                r["since"],
                r["campaign"],
                f"@{r['handle']}",
                f"replied; stage {r['stage']}",
                f"outreach inbox show {r['inbound_id']}",
            )
        )
    for r in deals:
        items.append(
            Item(
                "deal",
                r["since"],
                r["campaign"],
                f"@{r['handle']}",
                f"deal #{r['deal_id']}: creator's {r['kind']} awaits our answer",
                f"outreach deal show @{r['handle']}",
            )
        )
    for r in late:
        due = r["due_date"]
        items.append(
            Item(
                "late",
                datetime(due.year, due.month, due.day),
                r["campaign"],
                f"@{r['handle']}",
                f"deliverable {r['n']} ({r['platform']} {r['format']}) due {due} not posted",
                f"outreach deal show @{r['handle']}",
            )
        )
    for r in review:
        items.append(
            Item(
                "review",
                r["since"],
                "",
                str(r["from_addr"]),
                f"needs review: {r['subject']}"[:120],
                f"outreach inbox show {r['id']}",
            )
        )
    for r in unknown:
        items.append(
            Item(
                "unknown",
                r["since"],
                r["campaign"],
                f"@{r['handle']}",
                f"outbox #{r['id']} step {r['step']}: maybe delivered (dropped after the dot)",
                f"outreach outbox show {r['id']}",
            )
        )
    for r in held:
        items.append(
            Item(
                "held",
                r["since"],
                r["campaign"],
                "",
                f"campaign {r['status']}: {r['held']} enrolment(s) held",
                f"outreach campaign resume {r['campaign']}",
            )
        )
    for r in boxes:
        items.append(
            Item(
                "mailbox",
                None,
                "",
                str(r["name"]),
                f"mailbox paused: {r['pause_reason'] or 'paused'}",
                f"outreach mailbox resume {r['name']}",
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    items = [Item(i.kind, utc(i.since) if i.since else None, *_rest(i)) for i in items]
    items.sort(key=lambda i: (i.since or far, KINDS.index(i.kind), i.who))
    return items


def _rest(item: Item) -> tuple[str, str, str, str]:
    return item.campaign, item.who, item.what, item.action
