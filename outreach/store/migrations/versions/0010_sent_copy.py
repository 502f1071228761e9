"""A copy of each accepted message for its mailbox's Sent folder, appended over IMAP

Revision ID: 0010
Revises: 0009

One row per accepted outbox row whose mailbox keeps a Sent folder, written in the transaction
that records the send. The append job takes due rows, APPENDs the stored bytes
(`outbox_message.raw`, what SMTP sent, so they are not copied again) and marks them; a failed
append backs off and is retried, then stops as `failed` with its reason, and never touches the
outbox row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sent_copy",
        sa.Column("outbox_id", Id, nullable=False),
        sa.Column("mailbox", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("folder", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_sent_copy_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_sent_copy")),
    )
    op.create_index(
        "ix_sent_copy_state_next_attempt_at",
        "sent_copy",
        ["state", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_sent_copy_state_next_attempt_at", table_name="sent_copy")
    op.drop_table("sent_copy")
