"""Tracking links per person and campaign, and their clicks

Revision ID: 0009
Revises: 0008

A short `/r/<token>` path made to be put in the creator's post and bio, served by the public
endpoint, which redirects to the campaign's landing page with readable UTM parameters. Each click
is a row with a daily-salted visitor hash (no address kept) and whether a bot or link preview
made it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tracking_link",
        sa.Column("id", Id, nullable=False),
        sa.Column("enrollment_id", Id, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_tracking_link_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_link")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_tracking_link_enrollment_id")),
        sa.UniqueConstraint("token", name=op.f("uq_tracking_link_token")),
    )
    op.create_table(
        "click",
        sa.Column("id", Id, nullable=False),
        sa.Column("link_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["tracking_link.id"],
            name=op.f("fk_click_link_id_tracking_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_click")),
    )
    op.create_index("ix_click_link_at", "click", ["link_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_click_link_at", table_name="click")
    op.drop_table("click")
    op.drop_table("tracking_link")
