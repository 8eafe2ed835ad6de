"""The store: organizations, rounds, submissions and imports on one database (SQLite or PostgreSQL).

`Store` joins the survey's repositories over one `Database` (engine, transactions, revision counter),
so the pages and the command line hold one object; each table family's queries live in their own
module: `organizations`, `submissions`, `response_import`. Aims and workshops keep theirs in their
own packages and take a `Store` (or any `Database`) for its engine.
"""

from __future__ import annotations

from leverage.core.database import StoreError
from leverage.core.settings import Settings, load_settings
from leverage.survey.organizations import OrganizationRepository
from leverage.survey.response_import import ImportReport, ResponseImportRepository
from leverage.survey.submissions import Submission, SubmissionRepository, SubmitResult

__all__ = ["ImportReport", "Store", "StoreError", "Submission", "SubmitResult", "open_store"]


class Store(OrganizationRepository, SubmissionRepository, ResponseImportRepository):
    """All reads and writes of the self-assessment's data, over one engine."""


def open_store(settings: Settings | None = None) -> Store:
    """The store the settings name (LEVERAGE_DATABASE_URL; default the embedded SQLite file)."""
    return Store((settings or load_settings()).database_url)
