"""The store: organizations, rounds, submissions and imports on one database (SQLite or PostgreSQL).

`Store` joins the survey's repositories over one `Database` (engine, transactions, revision counter),
so the pages and the command line hold one object; each table family's queries live in their own
module: `organizations`, `submissions`, `response_import`. Aims and workshops keep theirs in their
own packages and take a `Store` (or any `Database`) for its engine.
"""

from __future__ import annotations

from leverage.core.database import StoreError
from leverage.survey.organizations import OrganizationRepository
from leverage.survey.response_import import ImportReport, ResponseImportRepository
from leverage.survey.submissions import Submission, SubmissionRepository, SubmitResult

__all__ = ["ImportReport", "Store", "StoreError", "Submission", "SubmitResult"]


class Store(OrganizationRepository, SubmissionRepository, ResponseImportRepository):
    """All reads and writes of the self-assessment's data, over one engine."""
