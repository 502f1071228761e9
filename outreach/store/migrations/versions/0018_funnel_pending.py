"""Sends waiting to be counted: the report's counters off the sending path

Revision ID: 0018
Revises: 0017

A group commit of sends records each sent outbox row here (two integers) instead of counting it
in the transaction that sends; `outreach.store.queries.tally::fold` counts them later (the
daemon's `count` job, and every read of the counters first).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "funnel_pending",
        sa.Column("outbox_id", _id(), autoincrement=False, nullable=False),
        sa.Column("enrollment_id", _id(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_funnel_pending")),
    )


def downgrade() -> None:
    op.drop_table("funnel_pending")
