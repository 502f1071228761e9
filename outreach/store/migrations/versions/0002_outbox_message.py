"""Outbox message bytes in their own table; an index on outbox.sent_at

Revision ID: 0002
Revises: 0001

An outbox row changes state three times per send; on SQLite each change rewrote the whole
record with its ~2-3 KB of message bytes. The bytes now live in `outbox_message`, written once.
The planner counts each mailbox's sends today on every tick: `ix_outbox_sent_at` makes that a
range instead of a scan of the whole outbox history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column(
            "outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_message_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_outbox_message")),
    )
    op.execute("INSERT INTO outbox_message (outbox_id, raw) SELECT id, raw FROM outbox")
    # Native DROP COLUMN (SQLite 3.35+): a batch-mode table copy would DROP the old outbox table,
    # which cascades to `attempt` and `outbox_message` while foreign keys are on.
    op.execute("ALTER TABLE outbox DROP COLUMN raw")
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.add_column("outbox", sa.Column("raw", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE outbox SET raw = (SELECT raw FROM outbox_message WHERE outbox_id = outbox.id)"
    )
    op.drop_table("outbox_message")
