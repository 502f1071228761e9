"""A domain suppressed for one sending mailbox

Revision ID: 0015
Revises: 0014

`suppression_domain` holds an agency's "please stop contacting our talents": its domain is
suppressed for the mailbox (the From identity) that received it, so a new address there is
not mailed from that mailbox either; other mailboxes may still write there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "suppression_domain",
        sa.Column("id", _id(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("mailbox", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("inbound_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_domain")),
    )
    op.create_index(
        "ix_suppression_domain_domain_mailbox",
        "suppression_domain",
        ["domain", "mailbox"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_suppression_domain_domain_mailbox", table_name="suppression_domain")
    op.drop_table("suppression_domain")
