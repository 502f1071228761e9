"""Proofs: drafts sent to ourselves with `preview --send-to`

Revision ID: 0006
Revises: 0005

A proof is a copy of a draft sent to a team address to check it in a real mail client. It is
kept apart from the outbox and enrolments, so it never counts as contact with the influencer
(no stage change, no cooldown, no thread).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "proof",
        sa.Column("id", Id, nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("influencer_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("sent_to", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=400), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("smtp_reply", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proof")),
    )
    op.create_index("ix_proof_campaign_sent_at", "proof", ["campaign", "sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_proof_campaign_sent_at", table_name="proof")
    op.drop_table("proof")
