"""Step variants: the variant given on the enrollment and on each outbox row; stopped variants

Revision ID: 0014
Revises: 0013

`enrollment.variants` is JSON {"step": "variant name"} of what each step with variants sent the
person (kept across replans and restarts); `outbox.variant` names the variant a row was
rendered from (the report's arms); `variant_stop` holds the variants `outreach variant stop`
stopped: no new person is given one, people already given it continue.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("enrollment", sa.Column("variants", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "outbox", sa.Column("variant", sa.String(length=100), server_default="", nullable=False)
    )
    op.create_table(
        "variant_stop",
        sa.Column("id", _id(), nullable=False),
        sa.Column("campaign_slug", sa.String(length=200), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variant_stop")),
        sa.UniqueConstraint(
            "campaign_slug", "step", "name", name=op.f("uq_variant_stop_campaign_slug_step_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("variant_stop")
    op.execute("ALTER TABLE outbox DROP COLUMN variant")
    op.execute("ALTER TABLE enrollment DROP COLUMN variants")
