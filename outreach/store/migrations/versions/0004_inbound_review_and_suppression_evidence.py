"""Inbound review and bounce facts; suppression evidence and its audit trail

Revision ID: 0004
Revises: 0003

`inbound` gains what review and soft-bounce counting need: the classifier's confidence, the
bounced recipient and its reason (indexed, so "transient bounces of this address in the last
D days" is a range), an operator's resolution, and the received size (raw bytes are capped).
`suppression` gains its evidence and source message; `suppression_audit` records every
change a person makes to the list.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime()


def upgrade() -> None:
    op.add_column("suppression", sa.Column("evidence", sa.JSON(), nullable=True))
    op.add_column("suppression", sa.Column("inbound_id", sa.BigInteger(), nullable=True))
    op.add_column("inbound", sa.Column("raw_size", sa.BigInteger(), nullable=True))
    op.add_column("inbound", sa.Column("confidence", sa.Float(), nullable=True))
    op.add_column("inbound", sa.Column("recipient_norm", sa.String(length=320), nullable=True))
    op.add_column("inbound", sa.Column("bounce_reason", sa.String(length=32), nullable=True))
    op.add_column("inbound", sa.Column("resolved_as", sa.String(length=16), nullable=True))
    op.add_column("inbound", sa.Column("resolved_at", Timestamp, nullable=True))
    op.create_index(
        "ix_inbound_recipient_norm", "inbound", ["recipient_norm", "processed_at"], unique=False
    )
    op.create_table(
        "suppression_audit",
        sa.Column("id", Id, nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("email_norm", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("prior_reason", sa.String(length=32), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("actor", sa.String(length=200), server_default="", nullable=False),
        sa.Column("forced", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_audit")),
    )
    op.create_index(
        op.f("ix_suppression_audit_email_hash"), "suppression_audit", ["email_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suppression_audit_email_hash"), table_name="suppression_audit")
    op.drop_table("suppression_audit")
    op.drop_index("ix_inbound_recipient_norm", table_name="inbound")
    for name in (
        "resolved_at",
        "resolved_as",
        "bounce_reason",
        "recipient_norm",
        "confidence",
        "raw_size",
    ):
        op.execute(f"ALTER TABLE inbound DROP COLUMN {name}")
    op.execute("ALTER TABLE suppression DROP COLUMN inbound_id")
    op.execute("ALTER TABLE suppression DROP COLUMN evidence")
