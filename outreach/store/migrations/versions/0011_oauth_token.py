"""OAuth2 logins of mailboxes with auth = "oauth2", their tokens sealed

Revision ID: 0011
Revises: 0010

One row per mailbox: the refresh token and the current access token, sealed together
(ChaCha20-Poly1305 with a key from the environment), never in clear; when the access token
expires; and whether the provider revoked the login (then the mailbox is paused until
`outreach mailbox login NAME`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_token",
        sa.Column("mailbox", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(), nullable=True),
        sa.Column("obtained_at", sa.DateTime(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_oauth_token")),
    )


def downgrade() -> None:
    op.drop_table("oauth_token")
