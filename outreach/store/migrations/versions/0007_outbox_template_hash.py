"""The template version each outbox row was rendered from

Revision ID: 0007
Revises: 0006

A row's bytes are fixed when it is planned; when the template is edited afterwards, the row's
`template_hash` (sha256 of the template file's text) tells which version it holds, and
`outreach outbox show` names it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column("template_hash", sa.String(length=64), server_default="", nullable=False),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN template_hash")
