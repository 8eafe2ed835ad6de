"""Baseline: the tables as the app created them before migrations existed.

A database made by those versions (tables from `create_all`, a `meta.schema_version` row) is stamped at
this revision instead of running it.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('workshop_attempts',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('aims',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.String(length=2000), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('data_type', sa.String(length=20), nullable=False),
    sa.Column('multiplier', sa.Float(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('baseline_period', sa.Date(), nullable=True),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('leverage_points', sa.String(length=40), nullable=False),
    sa.Column('public_commitment', sa.Boolean(), nullable=False),
    sa.Column('chart', sa.String(length=20), nullable=False),
    sa.Column('rule_set', sa.String(length=20), nullable=False),
    sa.Column('review_cadence', sa.String(length=20), nullable=False),
    sa.Column('baseline_points', sa.Integer(), nullable=True),
    sa.Column('last_reviewed', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'title', name='uq_aim_title')
    )
    op.create_index(op.f('ix_aims_organization_id'), 'aims', ['organization_id'], unique=False)
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name')
    )
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('instrument_version', sa.String(length=32), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closes_on IS NULL OR closes_on >= opens_on', name='round_dates'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name')
    )
    op.create_table('aim_targets',
    sa.Column('aim_id', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['aim_id'], ['aims.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aim_id', 'due')
    )
    op.create_table('annotations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aim_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['aim_id'], ['aims.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_annotations_aim_id'), 'annotations', ['aim_id'], unique=False)
    op.create_table('measurements',
    sa.Column('aim_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['aim_id'], ['aims.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aim_id', 'period')
    )
    op.create_table('respondents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sa.String(length=64), nullable=False),
    sa.Column('submission_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'respondent_key'),
    sa.UniqueConstraint('submission_id')
    )
    op.create_index(op.f('ix_respondents_round_id'), 'respondents', ['round_id'], unique=False)
    op.create_table('workshops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('round_name', sa.String(length=200), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('instrument_version', sa.String(length=32), nullable=False),
    sa.Column('item_ids', sa.Text(), nullable=False),
    sa.Column('min_n', sa.SmallInteger(), nullable=False),
    sa.Column('hide_results', sa.Boolean(), nullable=False),
    sa.Column('vote', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('saved_round_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index(op.f('ix_workshops_organization_id'), 'workshops', ['organization_id'], unique=False)
    op.create_table('answers',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('leverage_point', sa.String(length=8), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', 'item_id')
    )
    op.create_table('focus_measures',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('measure', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', 'position')
    )
    op.create_table('planned_actions',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('leverage_point', sa.String(length=8), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', 'leverage_point')
    )
    op.create_table('workshop_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    op.create_index(op.f('ix_workshop_participants_workshop_id'), 'workshop_participants', ['workshop_id'], unique=False)
    op.create_table('workshop_points',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.SmallInteger(), nullable=False),
    sa.Column('leverage_point', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('revealed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'vote', 'leverage_point')
    )
    op.create_table('workshop_answers',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.SmallInteger(), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('leverage_point', sa.String(length=8), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['workshop_participants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', 'vote', 'item_id')
    )
    op.create_index('ix_workshop_answers_point', 'workshop_answers', ['workshop_id', 'vote', 'leverage_point'], unique=False)
    op.bulk_insert(sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.String)),
                   [{"key": "revision", "value": "0"}])


def downgrade() -> None:
    for table in ("workshop_answers", "workshop_participants", "workshop_points", "workshops", "annotations",
                  "measurements", "aim_targets", "aims", "planned_actions", "focus_measures", "answers",
                  "respondents", "rounds", "departments", "workshop_attempts", "organizations", "meta"):
        op.drop_table(table)
