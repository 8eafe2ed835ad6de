"""Organizations, their departments and their assessment rounds: the frame every answer hangs on."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.core.database import Database, StoreError, now_utc
from leverage.core.i18n import _
from leverage.core.schema import NAME_MAX, departments, organizations, respondents, rounds, workshops
from leverage.core.validation import clean_name
from leverage.survey.instrument import Instrument, default_instrument


class OrganizationRepository(Database):
    """Reads and writes of organizations, departments and rounds."""

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(organizations.c.id).limit(1)).first() is None

    def list_organizations(self) -> pd.DataFrame:
        q = sa.select(organizations.c.id, organizations.c.name).order_by(organizations.c.name)
        return self.frame(q, ["id", "name"])

    def add_organization(self, name: str) -> int:
        name = clean_name(name, "organization", NAME_MAX)
        with self.write() as conn:
            if conn.execute(sa.select(organizations.c.id).where(organizations.c.name == name)).first():
                raise StoreError(_("An organization called {name!r} already exists.").format(name=name))
            new_id = conn.execute(organizations.insert().values(name=name, created_at=now_utc())
                                  ).inserted_primary_key[0]
            self.bump(conn)
            return int(new_id)

    def list_departments(self, organization_id: int) -> pd.DataFrame:
        q = (sa.select(departments.c.id, departments.c.name)
             .where(departments.c.organization_id == organization_id).order_by(departments.c.name))
        return self.frame(q, ["id", "name"])

    def add_department(self, organization_id: int, name: str) -> int:
        name = clean_name(name, "department", NAME_MAX)
        with self.write() as conn:
            self._require_organization(conn, organization_id)
            exists = conn.execute(sa.select(departments.c.id).where(
                departments.c.organization_id == organization_id, departments.c.name == name)).first()
            if exists:
                raise StoreError(_("This organization already has a department called {name!r}.").format(name=name))
            new_id = conn.execute(departments.insert().values(organization_id=organization_id, name=name)
                                  ).inserted_primary_key[0]
            self.bump(conn)
            return int(new_id)

    def list_rounds(self, organization_id: int) -> pd.DataFrame:
        """Rounds oldest first, with their respondent counts."""
        n = (sa.select(sa.func.count(respondents.c.id)).where(respondents.c.round_id == rounds.c.id)
             .scalar_subquery())
        q = (sa.select(rounds.c.id, rounds.c.name, rounds.c.instrument_id, rounds.c.instrument_version,
                       rounds.c.opens_on, rounds.c.closes_on, n.label("respondents"))
             .where(rounds.c.organization_id == organization_id).order_by(rounds.c.opens_on, rounds.c.id))
        return self.frame(q, ["id", "name", "instrument_id", "instrument_version", "opens_on", "closes_on",
                               "respondents"])

    def workshop_round_ids(self, organization_id: int | None = None) -> set[int]:
        """Ids of the rounds a live workshop created when it ended (see `leverage.survey.rounds`).

        A workshop records the round it saved into (`saved_round_id`); one that named a new round (no
        `round_id` when it was created) made that round, while one saved into an existing round did not.
        """
        q = (sa.select(workshops.c.saved_round_id).where(workshops.c.saved_round_id.is_not(None),
                                                         workshops.c.round_id.is_(None)))
        if organization_id is not None:
            q = q.where(workshops.c.organization_id == organization_id)
        with self.engine.connect() as conn:
            return {int(r[0]) for r in conn.execute(q)}

    def round_dates(self) -> pd.DataFrame:
        """Every organization's rounds: organization, round (names), opens_on, workshop; oldest first."""
        q = (sa.select(organizations.c.name, rounds.c.name, rounds.c.opens_on, rounds.c.id)
             .join(organizations, organizations.c.id == rounds.c.organization_id)
             .order_by(organizations.c.name, rounds.c.opens_on, rounds.c.id))
        frame = self.frame(q, ["organization", "round", "opens_on", "id"])
        made = self.workshop_round_ids()
        frame["workshop"] = frame["id"].map(lambda i: int(i) in made).astype(bool)
        return frame.drop(columns="id")

    def add_round(self, organization_id: int, name: str, instrument: Instrument | None = None,
                  opens_on: dt.date | None = None, closes_on: dt.date | None = None) -> int:
        name = clean_name(name, "round", NAME_MAX)
        instrument = instrument or default_instrument()
        opens_on = opens_on or dt.date.today()
        if closes_on is not None and closes_on < opens_on:
            raise StoreError(_("The round closes ({closes_on}) before it opens ({opens_on}).").format(
                                 closes_on=closes_on, opens_on=opens_on))
        with self.write() as conn:
            self._require_organization(conn, organization_id)
            exists = conn.execute(sa.select(rounds.c.id).where(
                rounds.c.organization_id == organization_id, rounds.c.name == name)).first()
            if exists:
                raise StoreError(_("This organization already has a round called {name!r}.").format(name=name))
            new_id = conn.execute(rounds.insert().values(
                organization_id=organization_id, name=name, instrument_id=instrument.id,
                instrument_version=instrument.version, opens_on=opens_on, closes_on=closes_on, created_at=now_utc(),
            )).inserted_primary_key[0]
            self.bump(conn)
            return int(new_id)

    def get_round(self, round_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
            return dict(row) if row else None

    @staticmethod
    def _require_organization(conn: Connection, organization_id: int) -> None:
        if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
            raise StoreError(_("There is no organization with id {organization_id}.").format(
                                 organization_id=organization_id))

