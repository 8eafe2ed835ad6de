"""Leverage: IHI's Seven Leadership Leverage Points as working software.

The public API, for the command line, benchmarks, scripts and anyone embedding Leverage:

    import leverage

    settings = leverage.load_settings()               # environment / .streamlit/secrets.toml
    store = leverage.open_store(settings)             # SQLite file or PostgreSQL, migrated to the newest schema
    org = store.add_organization("Riverside")
    dep = store.add_department(org, "Emergency")
    rnd = store.add_round(org, "2027 Spring")
    store.submit_response(leverage.Submission("s-1", rnd, "nursing", {"LP1.1": 4, ...}), settings.role_labels)
    scores = leverage.point_scores(store.responses(org), ["round"], settings.min_n)

    aims = leverage.AimStore(store)
    aim_id = aims.save_aim(leverage.Aim(org, "Harm down", "Adverse events per 1,000 patient days"))
    result = leverage.analyse(series, chart="xmr", rules="mdc", direction="down")   # run and SPC charts
    workshop = leverage.Workshops(store).create(org, "Board retreat", ["LP1", "LP3"], round_name="Retreat")

Names are imported on first use, so `import leverage` stays cheap (the `score` command decides its
engine before pandas or SQLAlchemy load). Inside the package, modules import each other directly,
never this file (tests/test_architecture.py checks it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from leverage.core.about import CITATION, __version__

_API = {
    # settings and the store
    "Settings": "leverage.core.settings",
    "ConfigError": "leverage.core.settings",
    "load_settings": "leverage.core.settings",
    "open_store": "leverage.survey.store",
    "Store": "leverage.survey.store",
    "StoreError": "leverage.core.database",
    "Submission": "leverage.survey.submissions",
    "ImportReport": "leverage.survey.response_import",
    "check_responses": "leverage.survey.imports",
    "import_responses": "leverage.survey.imports",
    "default_instrument": "leverage.survey.instrument",
    # scoring
    "point_scores": "leverage.survey.scoring",
    "item_scores": "leverage.survey.scoring",
    "level_distribution": "leverage.survey.scoring",
    "score_table": "leverage.survey.scoring",
    "OVERALL": "leverage.survey.scoring",
    # aims, measurements, run and SPC charts, projection
    "Aim": "leverage.aims.register",
    "AimError": "leverage.aims.register",
    "AimStore": "leverage.aims.repository",
    "analyse": "leverage.aims.spc",
    "SpcResult": "leverage.aims.spc",
    "project": "leverage.aims.projection",
    # workshops
    "Workshops": "leverage.workshops.service",
    "WorkshopError": "leverage.workshops.states",
    # demo data
    "load_demo": "leverage.demo.loader",
}

__all__ = [  # the same names as _API (tests/test_public_api.py checks)
    "CITATION", "__version__", "Settings", "ConfigError", "load_settings", "open_store", "Store", "StoreError",
    "Submission", "ImportReport", "check_responses", "import_responses", "default_instrument", "point_scores",
    "item_scores", "level_distribution", "score_table", "OVERALL", "Aim", "AimError", "AimStore", "analyse",
    "SpcResult", "project", "Workshops", "WorkshopError", "load_demo",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'leverage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors; at run time `__getattr__` imports on first use
    from leverage.aims.projection import project
    from leverage.aims.register import Aim, AimError
    from leverage.aims.repository import AimStore
    from leverage.aims.spc import SpcResult, analyse
    from leverage.core.database import StoreError
    from leverage.core.settings import ConfigError, Settings, load_settings
    from leverage.demo.loader import load_demo
    from leverage.survey.imports import check_responses, import_responses
    from leverage.survey.instrument import default_instrument
    from leverage.survey.response_import import ImportReport
    from leverage.survey.scoring import OVERALL, item_scores, level_distribution, point_scores, score_table
    from leverage.survey.store import Store, open_store
    from leverage.survey.submissions import Submission
    from leverage.workshops.service import Workshops
    from leverage.workshops.states import WorkshopError
