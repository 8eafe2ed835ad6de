"""Cached reads for the Compare page: one cube per source, keyed by the source's identity.

Views are cached with `cache_resource` too: `cache_data` would copy a frame on every hit, which for the
organizations view (every cube row of every source) costs more than the page itself. The page treats
what it gets as read-only.

A parquet source's identity is (path, newest mtime, total size); the store's is its revision. The cube
(sums per organization × round × department × role × point) is kept once per process with
`cache_resource` (no copy per hit); every view on top of it is a small frame cached by its inputs.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from leverage import compare
from leverage.responses import ResponseDataError
from leverage.sources import STORE_SOURCE, Source, cached_cube, discover
from ui import state

Key = tuple  # ((source name, identity), ...) of the sources in use, plus the threshold


@st.cache_resource(max_entries=8, show_spinner=False)
def _file_cube(path: str, identity: tuple, name: str) -> compare.Cube | str:
    """The cube of one parquet source, or the message saying why the source was refused."""
    try:
        return cached_cube(Source(name, Path(path)), state.settings().sources_dir)
    except ResponseDataError as exc:
        return str(exc)


@st.cache_resource(max_entries=4, show_spinner=False)
def _store_cube(url: str, rev: state.Rev) -> compare.Cube:
    frame = state.store().responses()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "value" in table.column_names:
        table = table.set_column(table.column_names.index("value"), "value", table.column("value").cast(pa.int8()))
    return compare.build_cube(table)


def sources() -> list[Source]:
    return discover(state.settings().sources_dir)


def cubes() -> tuple[dict[str, compare.Cube], dict[str, str], Key]:
    """Usable cubes by source name, refusals by source name, and the key naming them all."""
    url = state.settings().database_url
    rev = state.revision()
    found: dict[str, compare.Cube] = {STORE_SOURCE: _store_cube(url, rev)}
    refused: dict[str, str] = {}
    key: list[Hashable] = [(STORE_SOURCE, url, rev)]
    for src in sources():
        ident = src.identity
        with st.spinner(f"Reading {src.name}…"):
            cube = _file_cube(str(src.path), ident, src.name)
        if isinstance(cube, str):
            refused[src.name] = cube
        else:
            found[src.name] = cube
            key.append((src.name, ident))
    return found, refused, tuple(key)


@st.cache_resource(max_entries=4, show_spinner=False)
def _combined(key: Key, _cubes: dict[str, compare.Cube]) -> compare.Cube:
    return compare.combine(_cubes)


def combined(found: dict[str, compare.Cube], key: Key) -> compare.Cube:
    return _combined(key, found)


@st.cache_resource(max_entries=64, show_spinner=False)
def catalogue(key: Key, _points: pd.DataFrame) -> pd.DataFrame:
    """Per source × organization × round: respondents (Overall n) — the pickers' choices."""
    rows = _points[_points["leverage_point"] == compare.OVERALL]
    return rows.groupby(["source", "organization", "round"], dropna=False)["n"].sum().reset_index()


@st.cache_data(max_entries=16, show_spinner=False)
def listing(key: Key, refused: tuple[str, ...], _found: dict[str, compare.Cube]) -> pd.DataFrame:
    """The sources table: name, organizations, answers, in use or refused."""
    rows = [{"Source": name, "Organizations": int(c.points["organization"].nunique()), "Answers": c.answers,
             "Status": "in use"} for name, c in _found.items()]
    rows += [{"Source": name, "Organizations": 0, "Answers": 0, "Status": "refused"} for name in refused]
    return pd.DataFrame(rows)


@st.cache_resource(max_entries=64, show_spinner=False)
def department_view(key: Key, source: str, organization: str, pool: str | None, min_n: int,
                    _points: pd.DataFrame) -> dict:
    """Departments of one organization: cube rows, unit scores vs the organization, the organization's and
    the peers' (all organizations of the same source) scores, and who is pooled in each round."""
    units = compare.department_units(_points, source, organization, pool, min_n)
    org = compare.parent_scores(units, min_n, organization)
    peers = compare.parent_scores(compare.organization_units(_points[_points["source"] == source]), min_n, "Peers",
                                  reportable_only=True)
    return {"units": units, "scores": compare.unit_scores(units, min_n, org), "parent": org, "peers": peers,
            "pooled": compare.pooled_members(units, pool) if pool else {}}


@st.cache_resource(max_entries=64, show_spinner=False)
def organization_view(key: Key, chosen: tuple[str, ...], min_n: int, _points: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Organizations of the chosen sources against the mean of the reportable ones."""
    units = compare.organization_units(_points[_points["source"].isin(chosen)])
    parent = compare.parent_scores(units, min_n, "All organizations", reportable_only=True)
    return {"units": units, "scores": compare.unit_scores(units, min_n, parent, secondary=False), "parent": parent,
            "peers": parent}


@st.cache_resource(max_entries=64, show_spinner=False)
def item_view(key: Key, filters: tuple[tuple[str, object], ...], point: str, round_name: str, unit_column: str,
              pooled: tuple[tuple[str, str], ...], min_n: int, unit_status: tuple[tuple[str, str], ...],
              _items: pa.Table) -> pd.DataFrame:
    """Statements of one point per unit; `pooled` maps departments to their pooled group in this round and
    `unit_status` gives each unit's status for the point."""
    rows = compare.item_units(_items, {k: v for k, v in filters if k != "sources"}, point)
    chosen = dict(filters).get("sources")
    if chosen is not None:
        rows = rows[rows["source"].isin(chosen)]
    if unit_column == "organization":
        rows["unit"] = [compare.organization_label(s, o) for s, o in zip(rows["source"], rows["organization"],
                                                                           strict=True)]
        return compare.item_scores(rows, None, round_name, min_n, unit_column="unit", unit_status=dict(unit_status),
                                   secondary=False)
    return compare.item_scores(rows, dict(pooled), round_name, min_n, unit_status=dict(unit_status))


def cached_figure(key: Hashable, build) -> go.Figure:
    return _figure(key, build)


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(key: Hashable, _build) -> go.Figure:
    return _build()
