"""Every table of the app, on one SQLAlchemy `MetaData`: the schema Alembic migrates.

One module so a reader sees the whole data model at once, and so migrations (leverage/core/migrations)
compare the database against one definition. Domain modules import the tables they read and write;
nothing here knows about pages or rules. Text columns carry the lengths `leverage.core.validation`
checks, so a too-long value is refused with a message naming the field before it reaches the database
(PostgreSQL would raise, SQLite would silently store it).
"""

from __future__ import annotations

import sqlalchemy as sa

NAME_MAX = 200  # names of organizations, departments, rounds, workshops, aims' short texts
LONG_TEXT_MAX = 2000  # definitions, planned actions
ITEM_ID_MAX = 32
ROLE_MAX = 32

metadata = sa.MetaData()


# --- the self-assessment: organizations, departments, rounds, respondents and their answers ---
meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

organizations = sa.Table(
    "organizations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

departments = sa.Table(
    "departments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
)

rounds = sa.Table(
    "rounds", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("instrument_id", sa.String(64), nullable=False),
    sa.Column("instrument_version", sa.String(32), nullable=False),
    sa.Column("opens_on", sa.Date, nullable=False),
    sa.Column("closes_on", sa.Date, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
    sa.CheckConstraint("closes_on IS NULL OR closes_on >= opens_on", name="round_dates"),
)

respondents = sa.Table(
    "respondents", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("respondent_key", sa.String(64), nullable=False),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("round_id", "respondent_key"),
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("leverage_point", sa.String(8), nullable=False),
    sa.Column("value", sa.SmallInteger, nullable=True),  # NULL = don't know
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
)

focus_measures = sa.Table(
    "focus_measures", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("measure", sa.String(NAME_MAX), nullable=False),
)

planned_actions = sa.Table(
    "planned_actions", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("leverage_point", sa.String(8), primary_key=True),
    sa.Column("action", sa.Text, nullable=False),
)


# --- the aims register: aims, interim targets, measurements, annotations ---------------------
aims = sa.Table(
    "aims", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False, index=True),
    sa.Column("title", sa.String(NAME_MAX), nullable=False),
    sa.Column("measure", sa.String(NAME_MAX), nullable=False),
    sa.Column("definition", sa.String(LONG_TEXT_MAX), nullable=False, default=""),
    sa.Column("unit", sa.String(NAME_MAX), nullable=False, default=""),
    sa.Column("data_type", sa.String(20), nullable=False),
    sa.Column("multiplier", sa.Float, nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("baseline_period", sa.Date),
    sa.Column("baseline_value", sa.Float),
    sa.Column("target_value", sa.Float),
    sa.Column("deadline", sa.Date),
    sa.Column("owner", sa.String(NAME_MAX), nullable=False, default=""),
    sa.Column("leverage_points", sa.String(40), nullable=False, default=""),
    sa.Column("public_commitment", sa.Boolean, nullable=False, default=False),
    sa.Column("chart", sa.String(20), nullable=False),
    sa.Column("rule_set", sa.String(20), nullable=False),
    sa.Column("review_cadence", sa.String(20), nullable=False),
    sa.Column("baseline_points", sa.Integer),
    sa.Column("last_reviewed", sa.Date),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("organization_id", "title", name="uq_aim_title"),
)

aim_targets = sa.Table(
    "aim_targets", metadata,
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("due", sa.Date, primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

measurements = sa.Table(
    "measurements", metadata,
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
)

annotations = sa.Table(
    "annotations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("label", sa.String(NAME_MAX), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
)


# --- live workshops -----------------------------------------------------------------------------
workshops = sa.Table(
    "workshops", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("title", sa.String(NAME_MAX), nullable=False),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="SET NULL"), nullable=True),
    sa.Column("round_name", sa.String(NAME_MAX), nullable=False),
    sa.Column("instrument_id", sa.String(64), nullable=False),
    sa.Column("instrument_version", sa.String(32), nullable=False),
    sa.Column("item_ids", sa.Text, nullable=False),  # comma-separated item ids, in instrument order
    sa.Column("min_n", sa.SmallInteger, nullable=False),
    sa.Column("hide_results", sa.Boolean, nullable=False),
    sa.Column("vote", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("saved_round_id", sa.Integer, nullable=True),
    # Bumped by every facilitator action in the same transaction: phones and screens compare one number.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    # The point the facilitator acted on last: the projector follows it.
    sa.Column("focus_point", sa.String(8), nullable=True),
    # Bumped when a facilitator deletes answers (a point's reset): a phone re-reads its own answers only then.
    sa.Column("resets", sa.Integer, nullable=False, server_default="0"),
)

workshop_points = sa.Table(
    "workshop_points", metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vote", sa.SmallInteger, primary_key=True),
    sa.Column("leverage_point", sa.String(8), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("revealed", sa.Boolean, nullable=False),
    sa.Column("revealed_seq", sa.Integer, nullable=True),  # the published result the room sees (frozen)
)

workshop_participants = sa.Table(
    "workshop_participants", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
)

workshop_answers = sa.Table(
    "workshop_answers", metadata,
    sa.Column("participant_id", sa.ForeignKey("workshop_participants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vote", sa.SmallInteger, primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("workshop_id", sa.Integer, nullable=False),
    sa.Column("leverage_point", sa.String(8), nullable=False),
    sa.Column("value", sa.SmallInteger, nullable=True),  # NULL = don't know
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_workshop_answers_point", "workshop_id", "vote", "leverage_point"),
)

# Published results of a point: frozen aggregates, taken when the point closes (see workshops/disclosure.py).
workshop_results = sa.Table(
    "workshop_results", metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vote", sa.SmallInteger, primary_key=True),
    sa.Column("leverage_point", sa.String(8), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("n_respondents", sa.Integer, nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON: sums and counts per group
)

# --- throttling of guessable secrets (leverage/core/throttle.py): sign-in, join codes, passphrase ---------
throttle = sa.Table(
    "throttle", metadata,
    sa.Column("scope", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),  # SHA-256 of the account, code, session or address
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
    sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
)


# --- access (leverage/access): users, roles per organization, sessions, links, invitations, audit ------
EMAIL_MAX = 254
ACCESS_ROLES = ("admin", "editor", "facilitator", "viewer")
_ROLE_CHECK = "role IN ('admin', 'editor', 'facilitator', 'viewer')"

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(EMAIL_MAX), nullable=False),  # lower case
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=True),  # argon2id; NULL: links or single sign-on only
    sa.Column("installation_admin", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_signin_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("email", name="uq_users_email"),
)

memberships = sa.Table(
    "memberships", metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True,
              index=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.CheckConstraint(_ROLE_CHECK, name="membership_role"),
)

auth_sessions = sa.Table(
    "auth_sessions", metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the token in the cookie
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("method", sa.String(16), nullable=False),  # password, link
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("address", sa.String(64), nullable=False),
)

signin_links = sa.Table(
    "signin_links", metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the token in the link
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),  # NULL: first start
    sa.Column("purpose", sa.String(16), nullable=False),  # signin, bootstrap
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_by", sa.String(EMAIL_MAX), nullable=False),
)

invitations = sa.Table(
    "invitations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("nonce", sa.String(32), nullable=False),  # with the signing key, makes the link's MAC
    sa.Column("role", sa.String(ROLE_MAX), nullable=True),  # fixed by the roster, else the respondent chooses
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_by", sa.String(EMAIL_MAX), nullable=False),
    sa.UniqueConstraint("respondent_id", name="uq_invitations_respondent"),  # one link, one respondent
)

sso_mappings = sa.Table(
    "sso_mappings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # email, group
    sa.Column("value", sa.String(EMAIL_MAX), nullable=False),  # lower case
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(EMAIL_MAX), nullable=False),
    sa.UniqueConstraint("kind", "value", "organization_id", "role", name="uq_sso_mapping"),
    sa.CheckConstraint("kind IN ('email', 'group')", name="sso_mapping_kind"),
    sa.CheckConstraint(_ROLE_CHECK, name="sso_mapping_role"),
)

named_comparisons = sa.Table(
    "named_comparisons", metadata,  # organization_id agrees to be named to peer_id; both rows = a named pair
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("peer_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(EMAIL_MAX), nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,  # append-only: triggers in migration 0002_access refuse UPDATE and DELETE
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(EMAIL_MAX), nullable=False),  # e-mail, "anonymous", "command line", ...
    sa.Column("action", sa.String(48), nullable=False),
    sa.Column("organization_id", sa.Integer, nullable=True),  # no foreign key: entries outlive what they name
    sa.Column("target", sa.String(EMAIL_MAX), nullable=False),
    sa.Column("detail", sa.String(LONG_TEXT_MAX), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_org_at", "organization_id", "at"),
)

SURVEY_TABLES = (meta, organizations, departments, rounds, respondents, answers, focus_measures, planned_actions)
AIM_TABLES = (aims, aim_targets, measurements, annotations)
WORKSHOP_TABLES = (workshops, workshop_points, workshop_participants, workshop_answers, workshop_results)
ACCESS_TABLES = (users, memberships, auth_sessions, signin_links, invitations, sso_mappings, named_comparisons,
                 audit_log, throttle)
