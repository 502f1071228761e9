"""People have accounts and contacts; agencies are records of their own

Revision ID: 0013
Revises: 0012

`account`: every platform account of a person, UNIQUE(platform, handle), with its numbers
(followers, engagement, tier, rank within the platform). `agency` (事務所) and `contact` (a
person's own address, role self, and their managers' addresses, role manager, with the
agency). The influencer row stays the person and gains a display name, the name a letter
addresses, notes, who is mailed by default (`send_to`) and the agency. An enrolment records who
that campaign mails (`send_to`) and why a cooldown was overridden. Existing data is carried
over: each influencer's platform and handle become its first account, its address its own
contact, and its manager address a manager contact at an agency named by the row's `agency`
custom field, else by the address's domain.
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from outreach.domain.people import agency_key

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("name", name=op.f("uq_agency_name")),
    )
    op.create_index("ix_agency_domain", "agency", ["domain"])
    op.create_table(
        "account",
        sa.Column("id", _id(), nullable=False),
        sa.Column("influencer_id", _id(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("avg_likes", sa.Float(), nullable=True),
        sa.Column("avg_comments", sa.Float(), nullable=True),
        sa.Column("engagement_rate", sa.Float(), nullable=True),
        sa.Column("er_rank_pct", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_account_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("platform", "handle", name=op.f("uq_account_platform_handle")),
    )
    op.create_index("ix_account_influencer", "account", ["influencer_id"])
    op.create_table(
        "contact",
        sa.Column("id", _id(), nullable=False),
        sa.Column("influencer_id", _id(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("address_norm", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency_id", _id(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
            name=op.f("fk_contact_agency_id_agency"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_contact_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint(
            "influencer_id", "address_norm", name=op.f("uq_contact_influencer_id_address_norm")
        ),
    )
    op.create_index("ix_contact_address_norm", "contact", ["address_norm"])
    # Plain ADD COLUMN on both databases: a batch-mode copy of `influencer` on SQLite would
    # DROP the old table, which cascades to posts and enrolments while foreign keys are on.
    for name, type_ in (
        ("display_name", sa.String(length=200)),
        ("honorific_name", sa.String(length=200)),
        ("notes", sa.Text()),
        ("send_to", sa.String(length=16)),
    ):
        op.add_column("influencer", sa.Column(name, type_, server_default="", nullable=False))
    op.add_column("influencer", sa.Column("agency_id", _id(), nullable=True))
    op.add_column(
        "enrollment", sa.Column("send_to", sa.String(length=16), server_default="", nullable=False)
    )
    op.add_column(
        "enrollment", sa.Column("cooldown_override", sa.Text(), server_default="", nullable=False)
    )
    _carry_over()


def _carry_over() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(
        sa.text(
            "INSERT INTO account (influencer_id, platform, handle, followers, avg_likes,"
            " avg_comments, engagement_rate, er_rank_pct, tier, created_at, updated_at)"
            " SELECT id, platform, handle, followers, avg_likes, avg_comments,"
            " engagement_rate, er_rank_pct, tier, created_at, updated_at FROM influencer"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO contact (influencer_id, address, address_norm, role, created_at)"
            " SELECT id, email, email_norm, 'self', created_at FROM influencer"
            " WHERE email <> ''"
        )
    )
    managed = conn.execute(
        sa.text(
            "SELECT id, manager_email, custom FROM influencer WHERE manager_email <> '' ORDER BY id"
        )
    ).all()
    agencies: dict[str, int] = {}
    for id_, address, custom in managed:
        extra = json.loads(custom) if isinstance(custom, str) else (custom or {})
        key = agency_key(address, str(extra.get("agency") or "") if isinstance(extra, dict) else "")
        if key is None:
            continue
        if key.name not in agencies:
            agencies[key.name] = conn.execute(
                sa.text(
                    "INSERT INTO agency (name, domain, created_at) VALUES (:n, :d, :at)"
                    " RETURNING id"
                ),
                {"n": key.name, "d": key.domain, "at": now},
            ).scalar_one()
        agency_id = agencies[key.name]
        conn.execute(
            sa.text("UPDATE influencer SET agency_id = :a WHERE id = :i"),
            {"a": agency_id, "i": id_},
        )
        conn.execute(
            sa.text(
                "INSERT INTO contact (influencer_id, address, address_norm, role, agency_id,"
                " created_at) VALUES (:i, :addr, :norm, 'manager', :a, :at)"
                " ON CONFLICT (influencer_id, address_norm) DO NOTHING"
            ),
            {"i": id_, "addr": address, "norm": address.strip().lower(), "a": agency_id, "at": now},
        )


def downgrade() -> None:
    for table, column in (
        ("enrollment", "cooldown_override"),
        ("enrollment", "send_to"),
        ("influencer", "agency_id"),
        ("influencer", "send_to"),
        ("influencer", "notes"),
        ("influencer", "honorific_name"),
        ("influencer", "display_name"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("contact")
    op.drop_index("ix_account_influencer", table_name="account")
    op.drop_table("account")
    op.drop_index("ix_agency_domain", table_name="agency")
    op.drop_table("agency")
