"""Campaign status (pause, archive) and the mailbox settings' fingerprint

Revision ID: 0005
Revises: 0004

A campaign can be paused and resumed or archived as a whole; the mailbox row remembers a
fingerprint of the settings it sent with, so a pause the breaker made for a wrong port or
password is lifted once those settings change.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "campaign",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    op.add_column("campaign", sa.Column("status_changed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "mailbox", sa.Column("config_hash", sa.String(length=64), server_default="", nullable=False)
    )


def downgrade() -> None:
    op.execute("ALTER TABLE mailbox DROP COLUMN config_hash")
    op.execute("ALTER TABLE campaign DROP COLUMN status_changed_at")
    op.execute("ALTER TABLE campaign DROP COLUMN status")
