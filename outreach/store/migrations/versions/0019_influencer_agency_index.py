"""An index on influencer.agency_id: an agency's talents, looked up for each message it sends

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_influencer_agency", "influencer", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_influencer_agency", table_name="influencer")
