"""Instruments are data: a YAML or JSON file of leverage points, items and a rating scale.

An organization that holds the IHI paper can load the appendix tool, or its own adaptation, without a
code change. Every file is checked against a schema, and a bad one is refused with a message naming the
file, the field and the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from leverage.core.columns import POINT_IDS

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
DEFAULT_INSTRUMENT_ID = "seven-leverage-points"

_TEXT = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "minLength": 1}}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "version", "title", "attribution", "languages", "scale", "leverage_points", "items"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$"},
        "version": {"type": "string", "minLength": 1},
        "title": _TEXT,
        "attribution": _TEXT,
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]+)?$"},
        },
        "scale": {
            "type": "object",
            "required": ["levels", "dont_know"],
            "additionalProperties": False,
            "properties": {
                "levels": {
                    "type": "array",
                    "minItems": 2,
                    "items": {
                        "type": "object",
                        "required": ["value", "label", "description"],
                        "additionalProperties": False,
                        "properties": {"value": {"type": "integer"}, "label": _TEXT, "description": _TEXT},
                    },
                },
                "dont_know": {
                    "type": "object",
                    "required": ["label"],
                    "additionalProperties": False,
                    "properties": {"label": _TEXT, "description": _TEXT},
                },
            },
        },
        "leverage_points": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "title", "summary"],
                "additionalProperties": False,
                "properties": {"id": {"type": "string", "enum": list(POINT_IDS)}, "title": _TEXT, "summary": _TEXT},
            },
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "point", "text"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"},
                    "point": {"type": "string"},
                    "text": _TEXT,
                },
            },
        },
    },
}


class InstrumentError(ValueError):
    """A file is not a valid instrument. The message names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source, self.field, self.problem = source, field, problem
        super().__init__(f"{source}: {field or '(top level)'}: {problem}")


Text = dict[str, str]


@dataclass(frozen=True)
class Level:
    value: int
    label: Text
    description: Text


@dataclass(frozen=True)
class LeveragePoint:
    id: str
    title: Text
    summary: Text

    @property
    def number(self) -> int:
        return int(self.id[2:])


@dataclass(frozen=True)
class Item:
    id: str
    point: str
    text: Text


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: Text
    attribution: Text
    languages: tuple[str, ...]
    levels: tuple[Level, ...]
    dont_know: Text
    points: tuple[LeveragePoint, ...]
    items: tuple[Item, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    @property
    def level_values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    @property
    def scale_min(self) -> int:
        return min(self.level_values)

    @property
    def scale_max(self) -> int:
        return max(self.level_values)

    def items_for(self, point_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.point == point_id)

    def point(self, point_id: str) -> LeveragePoint:
        return next(p for p in self.points if p.id == point_id)

    def item_point(self) -> dict[str, str]:
        """Item id → leverage point id, the lookup every import and score needs."""
        return {item.id: item.point for item in self.items}

    def text(self, texts: Text, language: str) -> str:
        """The text in `language`, falling back to the instrument's first language."""
        return texts.get(language) or texts[self.languages[0]]


def _field_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_instrument(data: Any, source: str = "<instrument>") -> Instrument:
    """Validate already-parsed instrument data and build an Instrument, or raise InstrumentError."""
    if not isinstance(data, dict):
        raise InstrumentError(source, "", "the file must hold a mapping (id, version, title, ...)")
    errors = sorted(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        # The most specific error first: a missing item text beats "items is invalid".
        best = jsonschema.exceptions.best_match(errors)
        raise InstrumentError(source, _field_path(best.absolute_path), best.message)

    languages = tuple(data["languages"])
    for i, lv in enumerate(data["scale"]["levels"]):
        # JSON Schema counts 1.0 as an integer; a scale value must be a plain whole number.
        if not isinstance(lv["value"], int) or isinstance(lv["value"], bool):
            raise InstrumentError(source, f"scale.levels[{i}].value", f"{lv['value']!r} is not a whole number")

    def texts(value: Text, field: str) -> Text:
        missing = [lang for lang in languages if lang not in value]
        if missing:
            raise InstrumentError(source, field, f"no text for language(s) {', '.join(missing)}")
        return dict(value)

    levels = tuple(
        Level(lv["value"], texts(lv["label"], f"scale.levels[{i}].label"),
              texts(lv["description"], f"scale.levels[{i}].description"))
        for i, lv in enumerate(data["scale"]["levels"])
    )
    values = [lv.value for lv in levels]
    if len(set(values)) != len(values):
        raise InstrumentError(source, "scale.levels", "level values must be unique")
    if values != sorted(values) or values != list(range(values[0], values[0] + len(values))):
        raise InstrumentError(source, "scale.levels",
                              "level values must be consecutive whole numbers in ascending order")

    points = tuple(
        LeveragePoint(p["id"], texts(p["title"], f"leverage_points[{i}].title"),
                      texts(p["summary"], f"leverage_points[{i}].summary"))
        for i, p in enumerate(data["leverage_points"])
    )
    point_ids = [p.id for p in points]
    if len(set(point_ids)) != len(point_ids):
        dup = next(p for p in point_ids if point_ids.count(p) > 1)
        raise InstrumentError(source, "leverage_points", f"leverage point {dup} appears more than once")

    items: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["items"]):
        if raw["id"] in seen:
            raise InstrumentError(source, f"items[{i}].id", f"item id {raw['id']!r} appears more than once")
        if raw["point"] not in point_ids:
            raise InstrumentError(source, f"items[{i}].point",
                                  f"{raw['point']!r} is not one of the leverage points ({', '.join(point_ids)})")
        seen.add(raw["id"])
        items.append(Item(raw["id"], raw["point"], texts(raw["text"], f"items[{i}].text")))
    empty = [p for p in point_ids if not any(item.point == p for item in items)]
    if empty:
        raise InstrumentError(source, "items", f"leverage point(s) {', '.join(empty)} have no items")

    return Instrument(
        id=data["id"],
        version=str(data["version"]),
        title=texts(data["title"], "title"),
        attribution=texts(data["attribution"], "attribution"),
        languages=languages,
        levels=levels,
        dont_know=texts(data["scale"]["dont_know"]["label"], "scale.dont_know.label"),
        points=points,
        items=tuple(items),
    )


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate a YAML or JSON instrument file."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(str(path), "", f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InstrumentError(str(path), "", "the file is not UTF-8 text") from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise InstrumentError(str(path), "", f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}{line}: "
                              f"{getattr(exc, 'problem', None) or exc}") from None
    return parse_instrument(data, str(path))


@cache
def available_instruments() -> dict[tuple[str, str], Instrument]:
    """Every instrument shipped in leverage/survey/instruments, keyed by (id, version)."""
    found: dict[tuple[str, str], Instrument] = {}
    for path in sorted(INSTRUMENT_DIR.glob("*.y*ml")) + sorted(INSTRUMENT_DIR.glob("*.json")):
        inst = load_instrument(path)
        found[inst.key] = inst
    return found


def get_instrument(instrument_id: str = DEFAULT_INSTRUMENT_ID, version: str | None = None) -> Instrument:
    """The shipped instrument with this id (the newest version when none is given)."""
    matches = [inst for (iid, ver), inst in available_instruments().items()
               if iid == instrument_id and (version is None or ver == version)]
    if not matches:
        raise KeyError(f"no instrument {instrument_id!r}" + (f" version {version!r}" if version else ""))
    return max(matches, key=lambda inst: [int(x) if x.isdigit() else x for x in inst.version.split(".")])


def default_instrument() -> Instrument:
    return get_instrument(DEFAULT_INSTRUMENT_ID)
