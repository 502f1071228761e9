"""Deals with an offer trail, deliverables and their posts, metric snapshots and orders

Revision ID: 0008
Revises: 0007

The `deal` and `result` tables of the first schema were never written; they are replaced by a
deal per enrolment whose terms are a JSON document, the trail of offers and counter-offers, one
row per deliverable (planned, posted, verified or flagged for a missing disclosure), metric
snapshots per posted deliverable (`result`) and imported shop orders (`conversion`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.drop_index("ix_result_deal_id", table_name="result")
    op.drop_table("result")
    op.drop_table("deal")
    op.create_table(
        "deal",
        sa.Column("id", Id, nullable=False),
        sa.Column("enrollment_id", Id, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_deal_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_deal_enrollment_id")),
    )
    op.create_table(
        "deal_offer",
        sa.Column("id", Id, nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=16), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_offer_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_offer")),
    )
    op.create_index("ix_deal_offer_deal", "deal_offer", ["deal_id", "at"], unique=False)
    op.create_table(
        "deliverable",
        sa.Column("id", Id, nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), server_default="planned", nullable=False),
        sa.Column("post_url", sa.String(length=2000), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("caption", sa.Text(), server_default="", nullable=False),
        sa.Column("disclosure", sa.String(length=40), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deliverable_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverable")),
        sa.UniqueConstraint("deal_id", "n", name=op.f("uq_deliverable_deal_id_n")),
        sa.UniqueConstraint("post_url", name=op.f("uq_deliverable_post_url")),
    )
    op.create_index("ix_deliverable_state_due", "deliverable", ["state", "due_date"], unique=False)
    op.create_table(
        "result",
        sa.Column("id", Id, nullable=False),
        sa.Column("deliverable_id", Id, nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("impressions", sa.BigInteger(), nullable=True),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=500), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverable.id"],
            name=op.f("fk_result_deliverable_id_deliverable"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result")),
        sa.UniqueConstraint(
            "deliverable_id", "captured_at", name=op.f("uq_result_deliverable_id_captured_at")
        ),
    )
    op.create_table(
        "conversion",
        sa.Column("id", Id, nullable=False),
        sa.Column("campaign_id", Id, nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="JPY", nullable=False),
        sa.Column("code", sa.String(length=100), server_default="", nullable=False),
        sa.Column("landing_url", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("enrollment_id", Id, nullable=True),
        sa.Column("attributed_by", sa.String(length=16), server_default="", nullable=False),
        sa.Column("source", sa.String(length=500), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_conversion_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_conversion_enrollment_id_enrollment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversion")),
        sa.UniqueConstraint(
            "campaign_id", "order_id", name=op.f("uq_conversion_campaign_id_order_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("conversion")
    op.drop_table("result")
    op.drop_index("ix_deliverable_state_due", table_name="deliverable")
    op.drop_table("deliverable")
    op.drop_index("ix_deal_offer_deal", table_name="deal_offer")
    op.drop_table("deal_offer")
    op.drop_table("deal")
    op.create_table(
        "deal",
        sa.Column("id", Id, nullable=False),
        sa.Column("enrollment_id", Id, nullable=False),
        sa.Column("fee", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="JPY", nullable=False),
        sa.Column("product_cost", sa.Float(), nullable=True),
        sa.Column("deliverables", sa.Text(), server_default="", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("usage_rights", sa.Text(), server_default="", nullable=False),
        sa.Column("exclusivity", sa.Text(), server_default="", nullable=False),
        sa.Column("tracking_link", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_deal_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal")),
    )
    op.create_table(
        "result",
        sa.Column("id", Id, nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("post_url", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("engagement", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("conversions", sa.BigInteger(), nullable=True),
        sa.Column("revenue", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_result_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result")),
    )
    op.create_index("ix_result_deal_id", "result", ["deal_id"], unique=False)
