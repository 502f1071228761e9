"""Seeding the store for inbox and pipeline tests: an influencer enrolled in a campaign with a
sent pitch (a known Message-ID) and a queued follow-up, plus a config pointing at an inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from outreach.config import Config
from outreach.store.schema import campaign, enrollment, influencer, outbox
from outreach.store.session import writing
from tests.support.workspace import build_workspace, config_from

T0 = datetime(2025, 12, 1, 0, 0, tzinfo=UTC)


def naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def make_config(tmp_path: Path, inbox: dict[str, Any], **sections: Any) -> Config:
    data: dict[str, Any] = {
        "sender": {
            "name": "PR",
            "organisation": "Brand",
            "postal_address": "Tokyo",
            "enquiry_email": "pr@brand.example",
        },
        "mailboxes": {
            "main": {
                "from_address": "hello@brand.example",
                "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"},
                "inbox": inbox,
            }
        },
        **sections,
    }
    return config_from(tmp_path, data)


def campaign_id(engine: Engine, slug: str) -> int:
    with writing(engine) as conn:
        found = conn.execute(select(campaign.c.id).where(campaign.c.slug == slug)).scalar()
        if found is not None:
            return int(found)
        return int(
            conn.execute(
                insert(campaign).values(slug=slug, created_at=naive(T0))
            ).inserted_primary_key[0]
        )


def enrol(
    engine: Engine,
    email: str,
    *,
    message_id: str = "",
    campaign_slug: str = "spring",
    stage: str = "contacted",
    manager_email: str = "",
    handle: str | None = None,
    at: datetime = T0,
) -> int:
    """One influencer (created once per address) in one campaign; returns the enrollment id.

    With a `message_id`, step 1 was sent with that Message-ID and step 2 is queued, due in 3 days.
    """
    cid = campaign_id(engine, campaign_slug)
    with writing(engine) as conn:
        iid = conn.execute(
            select(influencer.c.id).where(influencer.c.email_norm == email.lower())
        ).scalar()
        if iid is None:
            iid = conn.execute(
                insert(influencer).values(
                    name=email.split("@")[0],
                    email=email,
                    email_norm=email.lower(),
                    platform="instagram",
                    handle=handle or email.split("@")[0],
                    manager_email=manager_email,
                    tags=[],
                    custom={},
                    created_at=naive(at),
                    updated_at=naive(at),
                )
            ).inserted_primary_key[0]
        eid = conn.execute(
            insert(enrollment).values(
                campaign_id=cid,
                influencer_id=iid,
                sequence="standard",
                mailbox="main",
                next_step=3 if message_id else 1,
                next_due_at=naive(at + timedelta(days=6)),
                status="active",
                stage=stage,
                stage_changed_at=naive(at),
                created_at=naive(at),
            )
        ).inserted_primary_key[0]
        if message_id:
            for step, state, mid in (
                (1, "sent", message_id),
                (2, "queued", f"<f2.{eid}@brand.example>"),
            ):
                conn.execute(
                    insert(outbox).values(
                        enrollment_id=eid,
                        step=step,
                        mailbox="main",
                        mail_from="hello@brand.example",
                        rcpt_to=[email],
                        email_norm=email.lower(),
                        message_id=mid,
                        state=state,
                        due_at=naive(at + timedelta(days=3 * (step - 1))),
                        expires_at=naive(at + timedelta(days=3 * (step - 1), hours=8)),
                        created_at=naive(at),
                        updated_at=naive(at),
                    )
                )
    return int(eid)


def write_workspace(tmp_path: Path, *, maildir: bool = True, after: str = "") -> Path:
    """config.toml over a migrated SQLite file in tmp_path: one mailbox on a loopback port,
    reading the `inbox/` Maildir unless `maildir` is False; `after` is appended as written."""
    db = tmp_path / "outreach.db"
    inbox = '[mailboxes.main.inbox]\nsource = "maildir"\npath = "inbox"\n' if maildir else ""
    text = f"""
[database]
url = "sqlite:///{db}"
[sender]
name = "PR"
organisation = "Brand"
postal_address = "Tokyo"
enquiry_email = "pr@brand.example"
[mailboxes.main]
from_address = "hello@brand.example"
[mailboxes.main.smtp]
host = "127.0.0.1"
port = 2525
security = "none"
{inbox}{after}"""
    workspace = build_workspace(tmp_path, config_toml=text, templates=False, db="sqlite")
    assert workspace.engine is not None
    workspace.engine.dispose()
    return workspace.config_path
