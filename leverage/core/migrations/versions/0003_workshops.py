"""Workshops that hold a hall: a version number per workshop (phones follow one number), the point the
projector follows, frozen published results per point, and which of them the room sees.

Revision ID: 0003_workshops
Revises: 0002_access
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_workshops"
down_revision: str | Sequence[str] | None = "0002_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("focus_point", sa.String(length=8), nullable=True))
    with op.batch_alter_table("workshop_points") as batch:
        batch.add_column(sa.Column("revealed_seq", sa.Integer(), nullable=True))
    op.create_table(
        "workshop_results",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("vote", sa.SmallInteger(), nullable=False),
        sa.Column("leverage_point", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("n_respondents", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workshop_id", "vote", "leverage_point", "seq"),
    )


def downgrade() -> None:
    op.drop_table("workshop_results")
    with op.batch_alter_table("workshop_points") as batch:
        batch.drop_column("revealed_seq")
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("focus_point")
        batch.drop_column("version")
