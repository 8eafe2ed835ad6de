"""A count of resets per workshop: a phone re-reads its own answers only when a facilitator deleted some.

Why: after every facilitator action each phone in the room redraws, and reading its own answers again was
most of that redraw's server time (a database round trip per phone). A participant's answers change only
by their own sends, a new vote, or a facilitator's reset of a point; this counter makes the last visible.

Revision ID: 0004_workshop_resets
Revises: 0003_workshops
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_workshop_resets"
down_revision: str | Sequence[str] | None = "0003_workshops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("resets", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("resets")
