"""The demo data on first start: three fictional organizations' answers and aims, never over real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leverage.core.database import StoreError
from leverage.core.i18n import _
from leverage.core.settings import Settings
from leverage.demo import survey as demo
from leverage.demo.aims import load_demo_aims
from leverage.survey.imports import check_responses, import_responses
from leverage.survey.response_import import ImportReport
from leverage.survey.store import Store


def load_demo(store: Store, settings: Settings, demo_dir: Path | None = None) -> ImportReport:
    """Load the demo dataset (writing its parquet files first if needed) into an empty store."""
    if not store.is_empty():
        raise StoreError(_("The store already holds data; the demo data is only loaded into an empty store."))
    tables = demo.read(demo_dir or demo.DEMO_DIR)
    check = check_responses(tables["responses"], store, settings, name="demo responses")
    rounds = {(r.organization, r.round): (r.opens_on, None if pd.isna(r.closes_on) else r.closes_on,
                                          r.instrument_id, r.instrument_version)
              for r in tables["rounds"].itertuples(index=False)}
    report = import_responses(check, store, round_dates=rounds,
                              extra_departments=list(tables["departments"].itertuples(index=False, name=None)),
                              plans=tables["plans"])
    load_demo_aims(store)
    store.set_meta(demo.DEMO_META_KEY, pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))
    return report


def ensure_demo(store: Store, settings: Settings) -> ImportReport | None:
    """Load the demo on first start when the settings allow it; never over real data."""
    wanted = settings.load_demo == "always" or (settings.load_demo == "auto" and settings.is_embedded)
    if not wanted or not store.is_empty():
        return None
    try:
        return load_demo(store, settings)
    except StoreError:
        if not store.is_empty():
            return None  # another server process loaded it at the same moment
        raise
