"""Widgets every page shares: the header with its help line, pickers, threshold notes and downloads."""

from __future__ import annotations

import re
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from leverage.core.about import CITATION
from leverage.core.i18n import N_, _, format_number
from leverage.reports import chart_images
from leverage.reports.excel import MAX_COLUMNS, MAX_ROWS, XLSX_MIME, frame_to_excel_bytes
from leverage.survey.responses import to_csv_bytes, to_parquet_bytes
from leverage.survey.rounds import default_round, round_label
from ui import state

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!$:~|#])")


def esc(text: object) -> str:
    """User text (names, file names, messages quoting them) made inert inside Streamlit markdown.

    Without it a name such as `![x](http://…)` would load an image, and `:material/…:` draw an icon.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


_FLASH_KEY = "_flash_messages"


def flash(message: str) -> None:
    """Confirm an action on the next run, in the page (`show_flash`), for actions followed by `st.rerun()`.

    Not a toast: a toast is an unnamed dialog to a screen reader (axe's aria-dialog-name) and vanishes before it
    is read. `message` is markdown: escape user text in it with `esc`.
    """
    st.session_state.setdefault(_FLASH_KEY, []).append(message)


def show_flash() -> None:
    """The confirmations `flash` kept for this run, once each (the frame calls it above the page)."""
    for message in st.session_state.pop(_FLASH_KEY, []):
        st.success(message, icon=":material/check_circle:")


def header(title: str, help_line: str) -> None:
    st.title(title)
    st.caption(help_line)


def no_organization_yet() -> None:
    st.info(_("There is no organization yet. Add one under **Manage data**, or import responses there."))
    st.page_link("pages/manage_data.py", label=_("Go to Manage data"), icon=":material/database:")


def round_picker(org_id: int, label: str = N_("Assessment round"), key: str = "round_id",
                 only_with_responses: bool = False) -> pd.Series | None:
    """Select a round of the organization, newest first; None when it has none.

    The default is the latest survey round with responses (`leverage.survey.rounds.default_round`): a round a
    workshop created is labelled "(workshop)" and chosen only when there is no survey round. `label` is an
    English msgid (marked with N_ by the caller), translated here.
    """
    rounds = state.cached(state.rounds, org_id)
    if only_with_responses:
        rounds = rounds[rounds["respondents"] > 0]
    if rounds.empty:
        return None
    ids = rounds["id"].tolist()[::-1]  # newest first
    labels = {i: _("{round} ({n} respondents)").format(round=round_label(n, w), n=format_number(c))
              for i, n, w, c in zip(rounds["id"], rounds["name"], rounds["workshop"], rounds["respondents"],
                                    strict=True)}
    if st.session_state.get(key) not in ids:
        first = default_round(rounds)
        st.session_state[key] = int(first["id"]) if first is not None else ids[0]
    chosen = st.selectbox(_(label), ids, key=key, format_func=labels.get)
    return rounds[rounds["id"] == chosen].iloc[0]


def threshold_note(min_n: int) -> None:
    st.caption(_("Anonymity threshold: groups with fewer than **{min_n}** respondents show their count only; "
                 "their scores are withheld and marked *below threshold*.").format(min_n=min_n))


def downloads(frame: pd.DataFrame, stem: str, key: str) -> None:
    """CSV, Excel and parquet downloads of a table that has already had the threshold applied.

    The bytes are made only when a button is clicked, so a page with many tables stays fast. CSV and Excel
    neutralise formula-like text, so a hostile department name arrives as text.
    """
    stem = stem.replace(" ", "_")
    c1, c2, c3, _spacer = st.columns([1, 1, 1, 3])
    c1.download_button("CSV", partial(to_csv_bytes, frame), f"{stem}.csv", "text/csv", key=f"{key}_csv",
                       icon=":material/download:", on_click="ignore")
    if len(frame) < MAX_ROWS and frame.shape[1] <= MAX_COLUMNS:
        c2.download_button("Excel", partial(frame_to_excel_bytes, frame, stem), f"{stem}.xlsx", XLSX_MIME,
                           key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")
    else:
        c2.caption(_("Too large for Excel"))
    c3.download_button("Parquet", partial(to_parquet_bytes, frame), f"{stem}.parquet", "application/octet-stream",
                       key=f"{key}_parquet", icon=":material/download:", on_click="ignore")


def chart_downloads(figure: go.Figure, stem: str, key: str) -> None:
    """PNG and SVG downloads of a chart, drawn by Chromium only when a button is clicked.

    Where the server has no Chromium, a short caption says why instead (the page never fails for it).
    """
    found = chart_images.status()
    if not found.available:
        st.caption(_("Chart images (PNG, SVG) cannot be downloaded here: {reason}.").format(reason=esc(found.reason)))
        return
    stem = stem.replace(" ", "_")
    height = figure.layout.height or 520
    c1, c2, _spacer = st.columns([1, 1, 4])
    c1.download_button("PNG", partial(chart_images.figure_image, figure, "png", height=height, scale=2.0),
                       f"{stem}.png", chart_images.MIME["png"], key=f"{key}_png", icon=":material/image:",
                       on_click="ignore")
    c2.download_button("SVG", partial(chart_images.figure_image, figure, "svg", height=height),
                       f"{stem}.svg", chart_images.MIME["svg"], key=f"{key}_svg", icon=":material/image:",
                       on_click="ignore")


def about() -> None:
    with st.expander(_("About Leverage")):
        st.markdown(
            _("Leverage turns the IHI's *Seven Leadership Leverage Points* into a working self-assessment: "
              "leaders rate their organization, see results by role and department, and choose one or two "
              "system-level measures to focus on.") + "\n\n"
            + _("The default instrument is our own wording, based on the IHI Seven Leadership Leverage Points "
                "framework. It is **not the IHI's own appendix tool**; an organization that holds the paper can "
                "load that tool as an instrument file.") + "\n\n"
            + _("**Source:** {citation}").format(citation=CITATION)
        )


def fmt_score(value: float | None, status: str = "ok") -> str:
    if value is None or pd.isna(value):
        return _("below threshold") if status == "below threshold" else _("no data")
    return format_number(value, 2)
