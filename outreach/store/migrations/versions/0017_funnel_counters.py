"""The report's counters, kept as facts change, and counted here from the existing rows

Revision ID: 0017
Revises: 0016

`funnel_person` holds each enrolment's funnel facts as last counted, `funnel_count` each
campaign's counters (funnel stages per platform and tier, variant arms, sends and replies per
quarter hour, histograms of the time between stages) and `funnel_gap` those times by exact
value. The upgrade counts every enrolment with `outreach.store.queries.tally::rebuild`, the
code that keeps the counters afterwards, so the backfill and the running count agree.
"""

import sqlalchemy as sa
from alembic import op

from outreach.store.queries.tally import rebuild

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "funnel_person",
        sa.Column("enrollment_id", _id(), autoincrement=False, nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_funnel_person")),
    )
    op.create_table(
        "funnel_count",
        sa.Column("campaign_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cell", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "cell", name=op.f("pk_funnel_count")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "funnel_gap",
        sa.Column("campaign_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "stage", "bucket", "hours", name=op.f("pk_funnel_gap")
        ),
        sqlite_with_rowid=False,
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("funnel_gap")
    op.drop_table("funnel_count")
    op.drop_table("funnel_person")
