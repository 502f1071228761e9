"""The team digest's periods, claimed in the database

Revision ID: 0016
Revises: 0015

`digest_period` holds one row per digest period (`daily-2026-12-05`): inserted before the
mail is sent, so two daemons on one database (or a restart) never send one period twice;
`sent_at` is set when the server accepted the mail, and a refused send deletes the claim.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_period",
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("mailbox", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_digest_period")),
    )


def downgrade() -> None:
    op.drop_table("digest_period")
