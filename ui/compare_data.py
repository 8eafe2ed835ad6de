"""Cached reads for the Compare page, keyed by each source's identity.

A parquet source's identity is (path, newest mtime, total size); the store's is its revision. A new
source is scanned once (checked all or nothing, reading only the columns its statistics cannot prove, see
`sources.scan`); the departments of one organization need only that organization's rows, read from the
row groups that hold them into a small cube. The full cube of a source (every organization, for
benchmarks and the organizations view) is built when a view first asks for it, from the source read
whole, saved under the sources folder and read from there by later server processes (the answers are
not kept in memory once it is built).

Everything is cached with `cache_resource`: `cache_data` would copy a frame on every hit, which for a
national source costs more than the page itself. The page treats what it gets as read-only.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from leverage.compare import views as compare
from leverage.compare.cube import Cube, build_cube, combine, cube_catalogue, subset
from leverage.compare.sources import (
    STORE_SOURCE,
    Scan,
    Source,
    cached_cube,
    cube_is_cached,
    discover,
    organization_rows,
    saved_catalogue,
    saved_organization,
    scan,
)
from leverage.core.i18n import _, language
from leverage.survey.responses import ResponseDataError
from ui import state


@dataclass(frozen=True)
class Handle:
    """One usable source: its name, where it lives (None: the app's store) and its identity."""

    name: str
    path: str | None
    identity: Hashable

    @property
    def key(self) -> tuple:
        return (self.name, self.path, self.identity)


# --- the store -------------------------------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner=False)
def _store_cube(url: str, rev: state.Rev) -> Cube:
    frame = state.store().responses()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "value" in table.column_names:
        table = table.set_column(table.column_names.index("value"), "value", table.column("value").cast(pa.int8()))
    return build_cube(table)


# --- parquet sources -------------------------------------------------------------------------------------

@st.cache_resource(max_entries=2, show_spinner=False)
def _scan(path: str, identity: tuple, name: str) -> Scan | str:
    """A source checked whole with its catalogue, or the message saying why it was refused. Two at most: a
    source the scan had to read whole holds its answers (a quick scan holds only its row groups)."""
    try:
        return scan(Source(name, Path(path)))
    except ResponseDataError as exc:
        return str(exc)


@st.cache_resource(max_entries=8, show_spinner=False)
def _full_cube(path: str, identity: tuple, name: str) -> Cube:
    """Read from the saved cube, or built from the source read whole (then saved); the answers are let go."""
    source = Source(name, Path(path))
    root = state.settings().sources_dir
    if cube_is_cached(source, root):
        return cached_cube(source, root)
    found = _scan(path, identity, name)
    if isinstance(found, str):
        raise ResponseDataError(found)
    return cached_cube(source, root, found.table)


@st.cache_resource(max_entries=8, show_spinner=False)
def _file_catalogue(path: str, identity: tuple, name: str) -> pd.DataFrame | str:
    """Organization × round pairs with their answers; from the saved cube's totals when there is one."""
    saved = saved_catalogue(Source(name, Path(path)), state.settings().sources_dir)
    if saved is not None:
        return saved
    found = _scan(path, identity, name)
    if isinstance(found, str):
        return found
    return found.catalogue()


@st.cache_resource(max_entries=64, show_spinner=False)
def _file_org_cube(path: str, identity: tuple, name: str, organization: str) -> Cube:
    """One organization's cube: its part of the saved cube when there is one, else built from its answers."""
    source = Source(name, Path(path))
    saved = saved_organization(source, state.settings().sources_dir, organization)
    if saved is not None:
        return saved
    found = _scan(path, identity, name)
    if isinstance(found, str):
        raise ResponseDataError(found)
    return build_cube(organization_rows(source, found, organization))


# --- what the page asks for -----------------------------------------------------------------------------------

def sources() -> tuple[dict[str, Handle], dict[str, str], pd.DataFrame]:
    """Usable sources by name, refusals by name, and the catalogue (source, organization, round, answers)."""
    url = state.settings().database_url
    store = Handle(STORE_SOURCE, None, (url, state.revision()))
    handles = {STORE_SOURCE: store}
    refused: dict[str, str] = {}
    catalogues = [catalogue(store).assign(source=STORE_SOURCE)]
    for src in discover(state.settings().sources_dir):
        handle = Handle(src.name, str(src.path), src.identity)
        with st.spinner(_("Reading {source}…").format(source=src.name)):
            found = _file_catalogue(handle.path, handle.identity, handle.name)
        if isinstance(found, str):
            refused[src.name] = found
        else:
            handles[src.name] = handle
            catalogues.append(found.assign(source=src.name))
    return handles, refused, pd.concat(catalogues, ignore_index=True)


def catalogue(handle: Handle) -> pd.DataFrame:
    if handle.path is None:
        return cube_catalogue(_store_cube(*handle.identity))
    return _file_catalogue(handle.path, handle.identity, handle.name)


def full_cube(handle: Handle) -> Cube:
    """Every organization of a source (built once, with a spinner, when a source is new)."""
    if handle.path is None:
        return _store_cube(*handle.identity)
    with st.spinner(_("Preparing {source} for comparison (once per file version)…").format(source=handle.name)):
        return _full_cube(handle.path, handle.identity, handle.name)


def org_cube(handle: Handle, organization: str) -> Cube:
    if handle.path is None:
        return subset(_store_cube(*handle.identity), organization)
    return _file_org_cube(handle.path, handle.identity, handle.name, organization)


@st.cache_resource(max_entries=16, show_spinner=False)
def _combined(keys: tuple, _cubes: tuple[Cube, ...]) -> Cube:
    return combine(dict(zip([k[0] for k in keys], _cubes, strict=True)))


def combined(handles: list[Handle]) -> Cube:
    """The full cubes of several sources side by side (source column added)."""
    return _combined(tuple(h.key for h in handles), tuple(full_cube(h) for h in handles))


def org_with_source(handle: Handle, organization: str) -> Cube:
    """One organization's cube with the source column the views expect."""
    return _org_with_source(handle.key, organization, org_cube(handle, organization))


@st.cache_resource(max_entries=64, show_spinner=False)
def _org_with_source(key: tuple, organization: str, _cube: Cube) -> Cube:
    return combine({key[0]: _cube})


def listing(handles: dict[str, Handle], refused: dict[str, str], cat: pd.DataFrame) -> pd.DataFrame:
    """The sources table: name, organizations, answers, in use or refused."""
    organizations: dict[str, set] = {}
    answers: dict[str, int] = {}
    for source, organization, count in zip(cat["source"], cat["organization"], cat["answers"], strict=True):
        organizations.setdefault(source, set()).add(organization)  # a few hundred rows: plain Python is quickest
        answers[source] = answers.get(source, 0) + int(count)
    rows = [{_("Source"): name, _("Organizations"): len(organizations.get(name, ())),
             _("Answers"): answers.get(name, 0), _("Status"): _("in use")} for name in handles]
    rows += [{_("Source"): name, _("Organizations"): 0, _("Answers"): 0, _("Status"): _("refused")}
             for name in refused]
    return pd.DataFrame(rows)


# --- views ---------------------------------------------------------------------------------------------------

@st.cache_resource(max_entries=64, show_spinner=False)
def department_view(key: tuple, source: str, organization: str, pool: str | None, min_n: int,
                    _points: pd.DataFrame, _items: pa.Table | None = None) -> dict:
    """Departments of one organization (`_points`, `_items`: its cube rows): the releases of its rounds
    (one withheld set each, as on the Results page), unit scores against the organization, the
    organization's scores and who is pooled in each round."""
    units = compare.department_units(_points, source, organization, pool, min_n)
    decided = compare.releases_of(units, min_n, _items)
    org = compare.parent_scores(units, min_n, organization)
    return {"units": units, "scores": compare.unit_scores(units, min_n, org, pool=pool, decided=decided),
            "parent": org, "pooled": compare.pooled_members(units, pool) if pool else {}, "decided": decided}


@st.cache_resource(max_entries=16, show_spinner=False)
def peer_view(key: tuple, source: str, min_n: int, _points: pd.DataFrame) -> pd.DataFrame:
    """The peer benchmark of a source: its reportable organizations together, per round × point."""
    return compare.parent_scores(compare.organization_units(_points), min_n, "Peers", reportable_only=True)


@st.cache_resource(max_entries=64, show_spinner=False)
def organization_view(key: tuple, min_n: int, _points: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Organizations of the chosen sources against the mean of the reportable ones."""
    units = compare.organization_units(_points)
    parent = compare.parent_scores(units, min_n, "All organizations", reportable_only=True)
    return {"units": units, "scores": compare.unit_scores(units, min_n, parent, secondary=False), "parent": parent,
            "peers": parent}


@st.cache_resource(max_entries=64, show_spinner=False)
def item_view(key: tuple, point: str, round_name: str, unit_column: str, pooled: tuple[tuple[str, str], ...],
              min_n: int, unit_status: tuple[tuple[str, str], ...], _items: pa.Table, pool: str | None = None,
              _decided: dict | None = None) -> pd.DataFrame:
    """Statements of one point per unit; `pooled` maps departments to their pooled group in this round and
    `unit_status` gives each unit's status for the point. Departments publish from their organization's
    release (`_decided`, the department view's); organizations from their own totals."""
    rows = compare.item_units(_items, {}, point)
    if unit_column == "organization":
        rows["unit"] = [compare.organization_label(s, o) for s, o in zip(rows["source"], rows["organization"],
                                                                           strict=True)]
        return compare.item_scores(rows, None, round_name, min_n, unit_column="unit", unit_status=dict(unit_status),
                                   secondary=False)
    return compare.item_scores(rows, dict(pooled), round_name, min_n, unit_status=dict(unit_status), pool=pool,
                               decided=_decided)


def cached_figure(key: Hashable, build) -> go.Figure:
    """A figure built once per key and language (its titles and labels are in the reader's language)."""
    return _figure((language(), key), build)


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(key: Hashable, _build) -> go.Figure:
    return _build()
