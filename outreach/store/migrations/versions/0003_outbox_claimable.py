"""Outbox indexes for the claim and the reaper's expiry check

Revision ID: 0003
Revises: 0002

A dispatch pass claims the oldest due rows of a mailbox, a batch at a time, and the reaper
looks for rows past their age. Both went through `ix_outbox_state_due`, which holds two state
ranges (queued, retry): the claim read and sorted every claimable row of the queue to return
its batch, and the expiry check read them all, on every pass and under the write lock.
`ix_outbox_claimable` holds only claimable rows, in the order the claim reads them (a partial
index: a sort of two state ranges by due_at is what made the claim read the whole queue);
`ix_outbox_state_expires` gives the expiry check the rows past their age.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CLAIMABLE = sa.text("state IN ('queued', 'retry')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_claimable",
        "outbox",
        ["mailbox", "due_at", "id"],
        unique=False,
        sqlite_where=CLAIMABLE,
        postgresql_where=CLAIMABLE,
    )
    op.create_index("ix_outbox_state_expires", "outbox", ["state", "expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_state_expires", table_name="outbox")
    op.drop_index("ix_outbox_claimable", table_name="outbox")
