"""SQLAlchemy 2.x Core tables. Every time column holds UTC (naive on SQLite; see clock.utc).

Longer than 400 lines on purpose: one MetaData holds every table, so the
migrations-match-the-tables check sees the whole schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid


class _SqliteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME as SQLAlchemy stores it ("2026-11-24 01:02:03.000456"), written by
    `datetime.isoformat` (C) instead of a Python `%` format of seven fields: the same text,
    4 us less per value, and the send path binds several per message. Aware values (which
    the store does not write) and dates keep SQLAlchemy's own conversion."""

    def bind_processor(self, dialect: Dialect) -> Any:
        fallback = super().bind_processor(dialect)
        assert fallback is not None

        def process(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return fallback(value)

        return process


Timestamp = DateTime().with_variant(_SqliteDateTime(), "sqlite")  # type: ignore[no-untyped-call]  # SQLAlchemy's DATETIME

influencer = Table(
    "influencer",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),  # as given, normalised by email-validator
    # Lower-cased: the suppression key. A talent reached only through an agency has email ""
    # and a key that is no address (domain.people.no_address_key), so it matches no mail.
    Column("email_norm", String(320), nullable=False, unique=True),
    Column("platform", String(32), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("followers", BigInteger),
    Column("avg_likes", Float),
    Column("avg_comments", Float),
    Column("engagement_rate", Float),
    Column("er_rank_pct", Float),  # percentile within platform, 100 = best
    Column("tier", String(16)),
    Column("niche", String(200), nullable=False, server_default=""),
    Column("country", String(8), nullable=False, server_default=""),
    Column("language", String(8), nullable=False, server_default="ja"),
    Column("timezone", String(64), nullable=False, server_default=""),
    Column("manager_email", String(320), nullable=False, server_default=""),
    # The person beyond their first account: the name they go by publicly, the name a letter
    # addresses (「髙橋 梨沙」, falls back to `name`), operators' notes, who is mailed by default
    # (self | agency | self_cc_agency; "" = agency only when there is no own address), and
    # the agency that manages them (no foreign key: SQLite adds one to an existing table only
    # by copying it, and dropping the old copy would cascade to every post and enrolment).
    Column("display_name", String(200), nullable=False, server_default=""),
    Column("honorific_name", String(200), nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("send_to", String(16), nullable=False, server_default=""),
    Column("agency_id", Id),
    Column("tags", JSON, nullable=False, default=list),
    Column("custom", JSON, nullable=False, default=dict),
    Column("basis", String(40), nullable=False, server_default="none"),
    Column("basis_url", String(2000), nullable=False, server_default=""),
    Column("basis_seen_at", String(40), nullable=False, server_default=""),
    Column("refuses_ads", Boolean, nullable=False, server_default="0"),
    Column("source_file", String(500), nullable=False, server_default=""),
    Column("source_line", Integer),
    Column(
        "import_run", String(32), nullable=False, server_default=""
    ),  # last import that wrote it
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("platform", "handle"),
    Index("ix_influencer_platform_er", "platform", "engagement_rate"),
)

# 事務所: a talent agency, one record however many of its talents the roster names; `domain`
# is where its managers write from (empty for a free-mail address such as gmail.com).
agency = Table(
    "agency",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("domain", String(255), nullable=False, server_default="", index=True),
    Column("created_at", Timestamp, nullable=False),
)

# Every platform account of a person; the influencer row repeats its first account (platform,
# handle and numbers), which every reading path uses, so a person on one platform reads as
# before. Engagement rank and tier are per account, within its platform.
account = Table(
    "account",
    metadata,
    Column("id", Id, primary_key=True),
    Column("influencer_id", ForeignKey("influencer.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("url", String(2000), nullable=False, server_default=""),
    Column("followers", BigInteger),
    Column("avg_likes", Float),
    Column("avg_comments", Float),
    Column("engagement_rate", Float),
    Column("er_rank_pct", Float),
    Column("tier", String(16)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("platform", "handle"),
    Index("ix_account_influencer", "influencer_id"),
)

# The addresses a person is reached at: their own (role self) and their managers' (role
# manager, with the agency). One agency address is a contact of each talent it manages, so
# `address_norm` is not unique; a reply from it concerns every one of them.
contact = Table(
    "contact",
    metadata,
    Column("id", Id, primary_key=True),
    Column("influencer_id", ForeignKey("influencer.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),
    Column("address_norm", String(320), nullable=False),
    Column("role", String(16), nullable=False),  # self | manager
    Column("agency_id", ForeignKey("agency.id", ondelete="SET NULL")),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("influencer_id", "address_norm"),
    Index("ix_contact_address_norm", "address_norm"),
)

post = Table(
    "post",
    metadata,
    Column("id", Id, primary_key=True),
    Column("influencer_id", ForeignKey("influencer.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("url", String(2000), nullable=False, unique=True),
    Column("title", String(500), nullable=False, server_default=""),
    Column("caption", Text, nullable=False, server_default=""),
    Column("published_at", Timestamp),
    Column("likes", BigInteger),
    Column("comments", BigInteger),
    Column("shares", BigInteger),
    Column("saves", BigInteger),
    Column("views", BigInteger),
    Index("ix_post_influencer_published", "influencer_id", "published_at"),
)

# Append-only; keyed by sha256 of the lower-cased address so `forget` can drop the address
# and keep honouring the objection (GDPR Art. 17 vs Art. 21).
suppression = Table(
    "suppression",
    metadata,
    Column("id", Id, primary_key=True),
    Column("email_hash", String(64), nullable=False, index=True),
    Column("email_norm", String(320)),  # NULL after `outreach forget`
    Column("reason", String(32), nullable=False),  # opt_out|hard_bounce|complaint|manual|legal
    Column("source", String(500), nullable=False, server_default=""),
    Column("created_at", Timestamp, nullable=False),
    # What made it: bounce reason and diagnostic, opt-out phrase, complaint type (shown by
    # `outreach suppression list`), and the inbound message that carried it, if any.
    Column("evidence", JSON),
    Column("inbound_id", BigInteger),
)

# A domain suppressed for one sending mailbox (the From identity): an agency asked that mailbox
# to stop contacting its talents, so no address at its domain is mailed from it; other
# mailboxes may still write there.
suppression_domain = Table(
    "suppression_domain",
    metadata,
    Column("id", Id, primary_key=True),
    Column("domain", String(255), nullable=False),
    Column("mailbox", String(200), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("source", String(500), nullable=False, server_default=""),
    Column("created_at", Timestamp, nullable=False),
    Column("evidence", JSON),
    Column("inbound_id", BigInteger),
    Index("ix_suppression_domain_domain_mailbox", "domain", "mailbox"),
)

# One row per team-digest period (`daily-2026-12-05`): the primary key is the claim that keeps
# two daemons, or a restart, from sending one period twice.
digest_period = Table(
    "digest_period",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("mailbox", String(200), nullable=False),
    Column("claimed_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp),  # when the server accepted it; NULL while sending
    Column("message_id", String(998)),
)

campaign = Table(
    "campaign",
    metadata,
    Column("id", Id, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),  # the campaigns/<slug>.toml name
    Column("created_at", Timestamp, nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),  # active|paused|archived
    Column("status_changed_at", Timestamp),
)

mailbox = Table(
    "mailbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("day", Date),  # the day (in sending.timezone) sent_today counts
    Column("sent_today", Integer, nullable=False, server_default="0"),
    Column("next_slot_at", Timestamp),  # earliest time the next send may start (gap + jitter)
    Column("paused_until", Timestamp),
    Column("pause_reason", Text, nullable=False, server_default=""),
    Column("sender_faults", Integer, nullable=False, server_default="0"),  # in a row
    Column("inbox_polled_at", Timestamp),  # last successful inbox read
    Column("inbox_error", Text, nullable=False, server_default=""),
    # A fingerprint of the settings a send depends on (server, login, the password's hash): when
    # it changes, a pause the breaker made for a setup mistake is lifted.
    Column("config_hash", String(64), nullable=False, server_default=""),
)

enrollment = Table(
    "enrollment",
    metadata,
    Column("id", Id, primary_key=True),
    Column("campaign_id", ForeignKey("campaign.id"), nullable=False),
    Column("influencer_id", ForeignKey("influencer.id", ondelete="CASCADE"), nullable=False),
    Column("sequence", String(200), nullable=False),
    Column("mailbox", String(100), nullable=False),  # the thread stays on this mailbox
    Column("next_step", Integer, nullable=False, server_default="1"),  # 1-based; > len = done
    Column("next_due_at", Timestamp),  # NULL when nothing is scheduled
    Column("status", String(16), nullable=False, server_default="active"),
    # active | paused (auto-reply; resumes at next_due_at) | stopped | completed | error
    Column("stop_reason", String(200), nullable=False, server_default=""),
    Column("stage", String(16), nullable=False, server_default="prospect"),
    Column("stage_changed_at", Timestamp, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    # Who this campaign mails for this person (self | agency | self_cc_agency; "" = the
    # campaign's `to =`, else the roster's), and why a cooldown was overridden at enrolment.
    Column("send_to", String(16), nullable=False, server_default=""),
    Column("cooldown_override", Text, nullable=False, server_default=""),
    # The variant each step with variants sent this person: JSON {"step": "name"} ("" = none
    # yet), written when the step is planned, so a replan or restart keeps it.
    Column("variants", Text, nullable=False, server_default=""),
    UniqueConstraint("campaign_id", "influencer_id"),
    Index("ix_enrollment_due", "status", "next_due_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("enrollment_id", ForeignKey("enrollment.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("mailbox", String(100), nullable=False),
    Column("mail_from", String(320), nullable=False),
    Column("rcpt_to", JSON, nullable=False),  # envelope recipients
    Column("email_norm", String(320), nullable=False, index=True),  # influencer, for stop checks
    Column("message_id", String(400), nullable=False, unique=True),
    Column("subject", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False, server_default="queued"),
    Column("attempt", Integer, nullable=False, server_default="0"),  # fencing token
    Column("worker", String(100)),
    Column("lease_until", Timestamp),
    Column("due_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp),  # give up (expired) after this
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp),
    Column("template_hash", String(64), nullable=False, server_default=""),  # its template's sha256
    Column("variant", String(100), nullable=False, server_default=""),  # the step's variant, if any
    UniqueConstraint("enrollment_id", "step"),
    Index("ix_outbox_state_due", "state", "due_at"),
    Index("ix_outbox_sent_at", "sent_at"),  # today's load per mailbox: a range, not a scan
    Index("ix_outbox_state_expires", "state", "expires_at"),  # the reaper's expiry check, each pass
)

CLAIMABLE_STATES = (
    "queued",
    "retry",
)  # the outbox states a claim takes (OutboxState.QUEUED, .RETRY)

# Rows a claim may take, written with literal values: SQLite uses a partial index only for a
# query whose WHERE holds the index's own condition, and a bound parameter is not known when
# the query is planned. The claim filters on this expression.
outbox_claimable = outbox.c.state.in_([literal_column(f"'{state}'") for state in CLAIMABLE_STATES])

# A claim reads the oldest due rows of one mailbox, LIMIT batch: in this index's order, so it
# stops after the batch. Through ix_outbox_state_due it read and sorted every claimable row of
# the queue (two state ranges merged by due_at) on every pass, under the write lock.
Index(
    "ix_outbox_claimable",
    outbox.c.mailbox,
    outbox.c.due_at,
    outbox.c.id,
    sqlite_where=outbox_claimable,
    postgresql_where=outbox_claimable,
)

# The exact RFC 5322 bytes of an outbox row (every attempt sends these), apart from the row:
# its state changes three times per send (claimed, sending, sent), and on SQLite each change
# rewrites the whole record, so bytes kept in it were written to the WAL three more times.
outbox_message = Table(
    "outbox_message",
    metadata,
    Column("outbox_id", ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
    Column("raw", LargeBinary, nullable=False),
)

# A copy of an accepted message for its mailbox's Sent folder (IMAP APPEND by the sent-copy
# job). The bytes are read from outbox_message, which holds exactly what SMTP sent.
sent_copy = Table(
    "sent_copy",
    metadata,
    Column("outbox_id", ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
    Column("mailbox", String(100), nullable=False),
    # queued | appended | failed (gave up; last_error says why) | skipped (server saves its own)
    Column("state", String(16), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Timestamp),  # due (queued); a pass's lease while it appends
    Column("last_error", Text, nullable=False, server_default=""),
    Column("folder", String(200), nullable=False, server_default=""),  # where it was appended
    Column("created_at", Timestamp, nullable=False),
    Column("done_at", Timestamp),
    Index("ix_sent_copy_state_next_attempt_at", "state", "next_attempt_at"),
)

attempt = Table(
    "attempt",
    metadata,
    Column("id", Id, primary_key=True),
    Column("outbox_id", ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(100), nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("smtp_code", Integer),
    Column("enhanced_status", String(16), nullable=False, server_default=""),
    Column("server_text", Text, nullable=False, server_default=""),
    Column("exception_type", String(100), nullable=False, server_default=""),
)

stage_history = Table(
    "stage_history",
    metadata,
    Column("id", Id, primary_key=True),
    Column("enrollment_id", ForeignKey("enrollment.id", ondelete="CASCADE"), nullable=False),
    Column("from_stage", String(16), nullable=False),
    Column("to_stage", String(16), nullable=False),
    Column("cause", String(32), nullable=False),  # send|reply|bounce|opt_out|command|...
    Column("note", Text, nullable=False, server_default=""),
    Column("at", Timestamp, nullable=False),
    Index("ix_stage_history_enrollment", "enrollment_id", "at"),
)

inbound = Table(
    "inbound",
    metadata,
    Column("id", Id, primary_key=True),
    Column("mailbox", String(100), nullable=False),
    Column("source", String(16), nullable=False),  # imap|maildir|file
    Column("dedupe_key", String(400), nullable=False, unique=True),  # Message-ID or sha256
    Column("message_id", String(400), nullable=False, server_default=""),
    Column("from_addr", String(320), nullable=False, server_default=""),
    Column("subject", Text, nullable=False, server_default=""),
    Column("received_at", Timestamp),
    Column(
        "kind", String(16), nullable=False
    ),  # reply|auto_reply|bounce|complaint|opt_out|decline|unparsed
    Column("enrollment_id", ForeignKey("enrollment.id", ondelete="SET NULL")),
    Column("effect", Text, nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),  # own text, quotes stripped
    Column("detail", JSON, nullable=False, default=dict),  # returns_on, bounce status, ...
    Column("raw", LargeBinary),  # kept for unparsed / audit; capped (see raw_size)
    Column("raw_size", BigInteger),  # the message's size as received; > len(raw) when truncated
    Column("processed_at", Timestamp, nullable=False),
    Column("confidence", Float),  # the classifier's confidence in `kind`, 0..1
    Column("recipient_norm", String(320)),  # bounces: the failed recipient we mailed, lower-cased
    Column("bounce_reason", String(32)),  # bounces: userunknown, mailboxfull, blocked, ...
    Column("resolved_as", String(16)),  # needs_review resolved by an operator as this kind
    Column("resolved_at", Timestamp),
    Index("ix_inbound_recipient_norm", "recipient_norm", "processed_at"),
)

# Every change to the suppression list made by a person (remove, forced remove, manual add):
# who, why, and what the entry was. Rows are never updated or deleted.
suppression_audit = Table(
    "suppression_audit",
    metadata,
    Column("id", Id, primary_key=True),
    Column("email_hash", String(64), nullable=False, index=True),
    Column("email_norm", String(320)),  # NULL after `outreach forget`
    Column("action", String(16), nullable=False),  # add|remove
    Column("prior_reason", String(32), nullable=False, server_default=""),
    Column("reason", Text, nullable=False, server_default=""),  # the operator's stated reason
    Column("actor", String(200), nullable=False, server_default=""),
    Column("forced", Boolean, nullable=False, server_default="0"),
    Column("at", Timestamp, nullable=False),
)

inbox_cursor = Table(
    "inbox_cursor",
    metadata,
    Column("mailbox", String(100), primary_key=True),
    Column("folder", String(200), primary_key=True),
    Column("uidvalidity", BigInteger),
    Column("last_uid", BigInteger, nullable=False, server_default="0"),
    Column("polled_at", Timestamp),
)

# One deal per enrolment (person x campaign): `terms` is the offer in force (domain.deal.Terms
# as JSON), `status` offered|countered|accepted|declined; every offer and counter-offer is a
# `deal_offer` row with who proposed it and when.
deal = Table(
    "deal",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "enrollment_id",
        ForeignKey("enrollment.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("status", String(16), nullable=False),
    Column("terms", JSON, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("accepted_at", Timestamp),
)

deal_offer = Table(
    "deal_offer",
    metadata,
    Column("id", Id, primary_key=True),
    Column("deal_id", ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # offer|counter|accept|decline
    Column("proposed_by", String(16), nullable=False),  # brand|creator
    Column("terms", JSON, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("at", Timestamp, nullable=False),
    Index("ix_deal_offer_deal", "deal_id", "at"),
)

# One row per promised piece of content, made when the deal is accepted.
deliverable = Table(
    "deliverable",
    metadata,
    Column("id", Id, primary_key=True),
    Column("deal_id", ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
    Column("n", Integer, nullable=False),  # 1-based within the deal
    Column("platform", String(32), nullable=False),
    Column("format", String(32), nullable=False),  # feed|reel|story|video|short|...
    Column("due_date", Date),
    Column("state", String(16), nullable=False, server_default="planned"),
    # planned | posted (no caption yet) | verified (disclosed) | flagged (no disclosure)
    Column("post_url", String(2000), unique=True),
    Column("posted_at", Timestamp),
    Column("caption", Text, nullable=False, server_default=""),
    Column("disclosure", String(40), nullable=False, server_default=""),  # the label found
    UniqueConstraint("deal_id", "n"),
    Index("ix_deliverable_state_due", "state", "due_date"),
)

# Metric snapshots of a posted deliverable, one per capture time (insights exports over time).
result = Table(
    "result",
    metadata,
    Column("id", Id, primary_key=True),
    Column("deliverable_id", ForeignKey("deliverable.id", ondelete="CASCADE"), nullable=False),
    Column("captured_at", Timestamp, nullable=False),
    Column("reach", BigInteger),
    Column("impressions", BigInteger),
    Column("views", BigInteger),
    Column("likes", BigInteger),
    Column("comments", BigInteger),
    Column("shares", BigInteger),
    Column("saves", BigInteger),
    Column("clicks", BigInteger),
    Column("source", String(500), nullable=False, server_default=""),  # file:line
    UniqueConstraint("deliverable_id", "captured_at"),
)

# Shop orders imported per campaign; `enrollment_id` is the person it is attributed to (by
# discount code or the landing URL's UTM), NULL when unattributed or outside the window.
conversion = Table(
    "conversion",
    metadata,
    Column("id", Id, primary_key=True),
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", String(200), nullable=False),
    Column("ordered_at", Timestamp, nullable=False),
    Column("revenue", Float, nullable=False),
    Column("currency", String(3), nullable=False, server_default="JPY"),
    Column("code", String(100), nullable=False, server_default=""),
    Column("landing_url", String(2000), nullable=False, server_default=""),
    Column("enrollment_id", ForeignKey("enrollment.id", ondelete="SET NULL")),
    Column("attributed_by", String(16), nullable=False, server_default=""),  # code|utm|""
    Column("source", String(500), nullable=False, server_default=""),  # file:line
    UniqueConstraint("campaign_id", "order_id"),
)

# The per-person link made for the creator's post and bio: `/r/<token>` on the public endpoint
# redirects to `location` (the campaign's landing page with readable UTM parameters).
tracking_link = Table(
    "tracking_link",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "enrollment_id",
        ForeignKey("enrollment.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("token", String(32), nullable=False, unique=True),
    Column("location", String(2000), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

# One row per redirect served; `visitor` is a daily-salted hash (no address or agent kept),
# `bot` marks crawlers and link previews (Slack, LINE, X, Facebook), which KPIs do not count.
click = Table(
    "click",
    metadata,
    Column("id", Id, primary_key=True),
    Column("link_id", ForeignKey("tracking_link.id", ondelete="CASCADE"), nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("visitor", String(32), nullable=False),
    Column("bot", Boolean, nullable=False, server_default="0"),
    Index("ix_click_link_at", "link_id", "at"),
)

# Drafts sent to a team address by `outreach preview --send-to`: never contact with the
# influencer, so they live apart from the outbox (no cooldown, no stage, no thread).
proof = Table(
    "proof",
    metadata,
    Column("id", Id, primary_key=True),
    Column("campaign", String(200), nullable=False),
    Column("influencer_id", BigInteger, nullable=False),
    Column("step", Integer, nullable=False),
    Column("sent_to", String(320), nullable=False),
    Column("message_id", String(400), nullable=False),
    Column("sent_at", Timestamp, nullable=False),
    Column("smtp_reply", Text, nullable=False, server_default=""),
    Index("ix_proof_campaign_sent_at", "campaign", "sent_at"),
)

# A mailbox's OAuth2 login (auth = "oauth2"): the refresh and access tokens only sealed
# (ChaCha20-Poly1305, key from the environment, bound to the mailbox and account), so a copy of
# the database alone signs nobody in. `revoked_at`: the provider refused the refresh token.
oauth_token = Table(
    "oauth_token",
    metadata,
    Column("mailbox", String(100), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("account", String(320), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("access_expires_at", Timestamp),
    Column("obtained_at", Timestamp, nullable=False),
    Column("refreshed_at", Timestamp),
    Column("revoked_at", Timestamp),
    Column("revoked_reason", Text, nullable=False, server_default=""),
)

# `outreach web`: console logins (argon2id hashes only), their sessions (the cookie's sha256,
# never the cookie), what each user did (one row per console action and sign-in), and notes
# kept on a person.
web_user = Table(
    "web_user",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # viewer | operator | admin
    Column("created_at", Timestamp, nullable=False),
)

web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", Timestamp, nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(500), nullable=False, server_default=""),
    Column("outcome", Text, nullable=False, server_default=""),
    Column("influencer_id", BigInteger),  # the person it concerns, for the person page
    Index("ix_audit_log_influencer", "influencer_id", "at"),
)

person_note = Table(
    "person_note",
    metadata,
    Column("id", Id, primary_key=True),
    Column("influencer_id", ForeignKey("influencer.id", ondelete="CASCADE"), nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", Timestamp, nullable=False),
    Index("ix_person_note_influencer", "influencer_id", "at"),
)

# A stopped variant (`outreach variant stop`): no new person is given it; people already given
# it keep it. Keyed by the campaign's slug, so a variant can be stopped before anyone enrols.
variant_stop = Table(
    "variant_stop",
    metadata,
    Column("id", Id, primary_key=True),
    Column("campaign_slug", String(200), nullable=False),
    Column("step", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("stopped_at", Timestamp, nullable=False),
    UniqueConstraint("campaign_slug", "step", "name"),
)

# The report's counters, kept as the facts they count change (`outreach.store.queries.tally`,
# in the transaction of the change): each enrolment's facts as last counted (a
# `domain.funnel.Facts` as JSON; no foreign key, so a deleted enrolment's row is still there to
# take its counts back), each campaign's sum per counter cell, and each stage's gaps between
# funnel stages by exact value with how many people have it (where a median is read).
funnel_person = Table(
    "funnel_person",
    metadata,
    Column("enrollment_id", Id, primary_key=True, autoincrement=False),
    Column("facts", Text, nullable=False),
)

# Outbox rows sent and not counted yet (see `outreach.store.queries.tally`): the sending path
# writes two integers here and the counting happens off it.
funnel_pending = Table(
    "funnel_pending",
    metadata,
    Column("outbox_id", Id, primary_key=True, autoincrement=False),
    Column("enrollment_id", Id, nullable=False),
)

funnel_count = Table(
    "funnel_count",
    metadata,
    Column("campaign_id", BigInteger, primary_key=True, autoincrement=False),
    Column("cell", Text, primary_key=True),
    Column("n", BigInteger, nullable=False),
    sqlite_with_rowid=False,  # one b-tree in key order: a campaign's cells are one range
)

funnel_gap = Table(
    "funnel_gap",
    metadata,
    Column("campaign_id", BigInteger, primary_key=True, autoincrement=False),
    Column("stage", String(16), primary_key=True),
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("hours", Float, primary_key=True),
    Column("n", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# The console's reads a page at a time: the board's oldest cards per stage, a person's
# enrolments, people per campaign and stage, the received half of a conversation and the
# newest mail of a kind (not scans of 100,000 rows).
Index(
    "ix_enrollment_stage_changed",
    enrollment.c.stage,
    enrollment.c.stage_changed_at,
    enrollment.c.id,
)
Index("ix_enrollment_influencer", enrollment.c.influencer_id)
Index("ix_enrollment_campaign_stage", enrollment.c.campaign_id, enrollment.c.stage)
Index("ix_inbound_enrollment", inbound.c.enrollment_id)
Index("ix_inbound_kind_processed", inbound.c.kind, inbound.c.processed_at)
Index("ix_influencer_handle", influencer.c.handle)  # @handle lookups and the people search
Index("ix_influencer_agency", influencer.c.agency_id)  # an agency's talents, for its mail
# The people an address manages, for its mail (matched case-insensitively, as it is stored).
Index("ix_influencer_manager_email", func.lower(influencer.c.manager_email))
