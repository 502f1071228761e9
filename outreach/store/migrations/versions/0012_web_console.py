"""`outreach web`: console users, sessions, the audit log and notes on a person

Revision ID: 0012
Revises: 0011

Users keep an argon2id hash only; a session row keys on the sha256 of its cookie, so a copy
of the database signs nobody in. Every console action and sign-in is an `audit_log` row with
the user and time (stage moves are also stage history rows, as from the command line).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_user")),
        sa.UniqueConstraint("name", name=op.f("uq_web_user_name")),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _id(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=500), server_default="", nullable=False),
        sa.Column("outcome", sa.Text(), server_default="", nullable=False),
        sa.Column("influencer_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_influencer", "audit_log", ["influencer_id", "at"])
    op.create_table(
        "person_note",
        sa.Column("id", _id(), nullable=False),
        sa.Column("influencer_id", _id(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_person_note_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_note")),
    )
    op.create_index("ix_person_note_influencer", "person_note", ["influencer_id", "at"])
    # The console's bounded reads: the board's oldest cards per stage, a person's
    # enrolments, people per campaign and stage, the received half of a conversation, the
    # newest mail of a kind, and a person by @handle.
    op.create_index(
        "ix_enrollment_stage_changed", "enrollment", ["stage", "stage_changed_at", "id"]
    )
    op.create_index("ix_enrollment_influencer", "enrollment", ["influencer_id"])
    op.create_index("ix_enrollment_campaign_stage", "enrollment", ["campaign_id", "stage"])
    op.create_index("ix_inbound_enrollment", "inbound", ["enrollment_id"])
    op.create_index("ix_inbound_kind_processed", "inbound", ["kind", "processed_at"])
    op.create_index("ix_influencer_handle", "influencer", ["handle"])


def downgrade() -> None:
    op.drop_index("ix_influencer_handle", table_name="influencer")
    op.drop_index("ix_inbound_kind_processed", table_name="inbound")
    op.drop_index("ix_inbound_enrollment", table_name="inbound")
    op.drop_index("ix_enrollment_campaign_stage", table_name="enrollment")
    op.drop_index("ix_enrollment_influencer", table_name="enrollment")
    op.drop_index("ix_enrollment_stage_changed", table_name="enrollment")
    op.drop_index("ix_person_note_influencer", table_name="person_note")
    op.drop_table("person_note")
    op.drop_index("ix_audit_log_influencer", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("web_session")
    op.drop_table("web_user")
