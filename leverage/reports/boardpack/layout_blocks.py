"""The board pack's document model: pages of typed blocks that hold their final text.

`layout.build_layout` fills these from a `BoardPack`; the PDF and PowerPoint writers only draw them. Every
label, number and date is already formatted here, so the paper and the deck cannot word a reading
differently. What is left to a writer is what its medium needs: page breaks, fonts, fitting text into
boxes, placing a chart.

A few editorial choices differ by medium on purpose; they are flags set once in the model, that the writers obey:

- `aside` (on a paragraph, list or table): secondary detail, such as the cover's contents, the icon legend or
  the table by role. Paper shows it; a slide, read from across a room at 14 pt or more, has no room for it,
  so a deck puts text asides in the speaker notes and leaves aside tables out.
- `Page.continues`: on paper the page follows the one before on the same sheet, under its own heading;
  a deck starts a new slide.
- `Page.optional`: the page only says that there is nothing to show. A paper keeps it, so that every
  section is accounted for; a deck leaves it out rather than spend a slide on it.
- `Brief` cells and a column's `short` heading: slides show the short text, so that a row stays on one line;
  an `aside` column is left out of a slide (see `Table.narrow`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from leverage.aims.icons import assurance_label, assurance_svg, variation_label, variation_svg
from leverage.aims.view import AimView
from leverage.core.i18n import _
from leverage.core.localized import DAY, MONTH, when

Style = Literal["lead", "body", "muted", "strong", "small"]
IconKind = Literal["variation", "assurance"]
PageKind = Literal["cover", "summary", "aim", "section"]
NO_DATE = "–"


# --- formatting: one place for the pack's dates ----------------------------------------------------------
def day(value: dt.date | pd.Timestamp | None) -> str:
    """A date as the pack prints it in running text and tables: 30 Sep 2026 ("–" when there is none)."""
    return NO_DATE if value is None or pd.isna(value) else when(pd.Timestamp(value), DAY)


def month(value: object) -> str:
    """A period (a month of measurements, a deadline in a table): Sep 2026 ("–" when there is none)."""
    return NO_DATE if value is None or pd.isna(value) else when(pd.Timestamp(value), MONTH)


# --- blocks --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    """Running text. `style`: lead (a page's main statement), body, muted (an introduction), strong, small."""

    text: str
    style: Style = "body"
    aside: bool = False


@dataclass(frozen=True)
class Note:
    """A warning that must not be missed: a chart shown as a table, and why."""

    text: str


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, read as "Label: value"; `note` explains them (the projection's reason)."""

    items: tuple[tuple[str, str], ...]
    note: str = ""
    name: str = "Facts"

    @property
    def lines(self) -> list[str]:
        return [f"{label}: {value}" for label, value in self.items]


@dataclass(frozen=True)
class ItemList:
    """A titled list: the questions to ask (bulleted), the cover's contents (not bulleted)."""

    title: str
    items: tuple[str, ...]
    bullets: bool = True
    aside: bool = False


@dataclass(frozen=True)
class Icon:
    """A Making Data Count summary icon: its key (as `leverage.aims.icons` names it) and its words.

    `label` is the icon's meaning (alternative text, and what a reader who cannot tell colours apart reads);
    `caption` is what is written beside it, which on an aim's page also says which icon it is.
    """

    kind: IconKind
    key: str | None
    label: str
    caption: str

    @property
    def svg(self) -> str:
        return variation_svg(self.key) if self.kind == "variation" else assurance_svg(self.key)


def make_icon(kind: IconKind, value: object, prefixed: bool = False) -> Icon:
    """The icon of `value` (a missing value, None or NaN, is the "not enough data" icon)."""
    key = value if isinstance(value, str) else None
    label = variation_label(key) if kind == "variation" else assurance_label(key)
    caption = (_("Variation: {label}") if kind == "variation" else _("Assurance: {label}")).format(label=label)
    return Icon(kind, key, label, caption if prefixed else label)


@dataclass(frozen=True)
class IconRow:
    """An aim's two icons, side by side, each with its words."""

    icons: tuple[Icon, ...]


@dataclass(frozen=True)
class Brief:
    """A cell with a full text (paper) and a short one (slides)."""

    text: str
    short: str


Cell = str | Icon | Brief


def cell_text(cell: Cell) -> str:
    """What a writer prints for `cell`: an icon's caption, a brief cell's full text."""
    if isinstance(cell, Icon):
        return cell.caption
    return cell.text if isinstance(cell, Brief) else cell


@dataclass(frozen=True)
class Column:
    """A table column. `width` is relative (a hint each writer scales to its page); `strong` cells are bold.

    `short` is a shorter heading for a slide; an `aside` column is paper only.
    """

    name: str
    width: float
    align: Literal["left", "right"] = "left"
    strong: bool = False
    short: str = ""
    aside: bool = False


@dataclass(frozen=True)
class Row:
    """A table row; `key` names it for the deck's shapes (e.g. the aim's id)."""

    cells: tuple[Cell, ...]
    key: str = ""


@dataclass(frozen=True)
class Table:
    """A table with a header row, repeated on every page or slide it runs over when `repeat_header`.

    `empty` is written in its place when there are no rows; `title` is a heading just above it.
    """

    name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    empty: str = ""
    title: str = ""
    repeat_header: bool = True
    aside: bool = False

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def has_icons(self) -> bool:
        return any(isinstance(cell, Icon) for row in self.rows for cell in row.cells)

    def widths(self, total: float) -> list[float]:
        """The columns' widths scaled to `total` (mm on paper, inches on a slide)."""
        weight = sum(c.width for c in self.columns)
        return [total * c.width / weight for c in self.columns]

    def texts(self) -> list[list[str]]:
        return [[cell_text(c) for c in row.cells] for row in self.rows]

    def narrow(self) -> Table:
        """The table as a slide shows it: aside columns left out, short headings, the short text of brief cells."""
        keep = [i for i, c in enumerate(self.columns) if not c.aside]
        columns = tuple(replace(self.columns[i], name=self.columns[i].short or self.columns[i].name) for i in keep)
        rows = tuple(Row(tuple(_brief(row.cells[i]) for i in keep), row.key) for row in self.rows)
        return replace(self, columns=columns, rows=rows)


def _brief(cell: Cell) -> Cell:
    return cell.short if isinstance(cell, Brief) else cell


@dataclass(frozen=True)
class ChartSlot:
    """Where an aim's chart goes. Each writer draws the chart from `view` in its own way (vector on paper,
    a picture on a slide); when it cannot, it shows `note(why)` and the `fallback` table of the latest points.
    """

    view: AimView = field(compare=False)  # two slots are equal when they say the same: the fallback and the alt text
    fallback: Table
    alt: str  # the chart's alternative text
    key: tuple[str, ...] = ()  # the printed chart's numbered annotations, in words ("1  15 Mar 2025: ...")

    def note(self, why: str) -> str:
        """Why there is no chart, and what stands in for it."""
        n = len(self.fallback.rows)
        listed = "" if n == 0 else (" " + _("Its one point is listed instead.") if n == 1 else
                                    " " + _("The latest {n} points are listed instead.").format(n=n))
        return _("Chart not drawn: {why}.").format(why=why.rstrip(".")) + listed


Block = Paragraph | Note | Facts | ItemList | IconRow | Table | ChartSlot


@dataclass(frozen=True)
class Page:
    """One page of the paper and, except where the flags say otherwise (see the module), one slide of the deck.

    `kind` picks the writer's template: the cover, the vital-few summary, an aim's page, or a plain section
    (blocks one below another). `kicker` is a line above the title (the cover's "Board pack").
    """

    kind: PageKind
    title: str
    blocks: tuple[Block, ...]
    footer: str
    kicker: str = ""
    continues: bool = False
    optional: bool = False

    def first(self, kind: type) -> Block | None:
        """The page's first block of type `kind` (an aim page's chart slot...), if any."""
        return next((b for b in self.blocks if isinstance(b, kind)), None)


@dataclass(frozen=True)
class Document:
    """The whole pack: its properties (title, subject, author) and its pages in order."""

    title: str
    subject: str
    author: str
    pages: tuple[Page, ...]

    def of_kind(self, kind: PageKind) -> list[Page]:
        return [p for p in self.pages if p.kind == kind]
