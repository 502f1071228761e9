"""Indexes for finding whom an inbound address writes for: an agency's talents
(influencer.agency_id) and the people an address manages (lower(manager_email))

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_influencer_agency", "influencer", ["agency_id"])
    op.create_index("ix_influencer_manager_email", "influencer", [sa.text("lower(manager_email)")])


def downgrade() -> None:
    op.drop_index("ix_influencer_manager_email", table_name="influencer")
    op.drop_index("ix_influencer_agency", table_name="influencer")
