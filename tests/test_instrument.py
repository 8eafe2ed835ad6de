"""Instruments are data: the shipped default instrument, and bad files refused with file, field and problem."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
import yaml

from leverage.survey.instrument import (
    DEFAULT_INSTRUMENT_ID,
    INSTRUMENT_DIR,
    POINT_IDS,
    Instrument,
    InstrumentError,
    default_instrument,
    get_instrument,
    load_instrument,
)

DEFAULT_FILE = INSTRUMENT_DIR / "seven-leverage-points.yaml"


@pytest.fixture(scope="module")
def default_data() -> dict:
    """The shipped instrument file as plain data, to copy and break one thing at a time."""
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return default_instrument()


# --- the default instrument -------------------------------------------------------------------------------


def test_default_instrument_loads(instrument):
    assert instrument.id == DEFAULT_INSTRUMENT_ID == "seven-leverage-points"
    assert instrument.version == "1.0"
    assert instrument.languages == ("en", "es")
    assert get_instrument(DEFAULT_INSTRUMENT_ID, "1.0") is instrument
    assert load_instrument(DEFAULT_FILE) == instrument


def test_seven_points_in_order(instrument):
    assert tuple(p.id for p in instrument.points) == POINT_IDS == ("LP1", "LP2", "LP3", "LP4", "LP5", "LP6", "LP7")
    assert [p.number for p in instrument.points] == [1, 2, 3, 4, 5, 6, 7]


def test_four_to_six_items_per_point(instrument):
    counts = {p.id: len(instrument.items_for(p.id)) for p in instrument.points}
    assert all(4 <= n <= 6 for n in counts.values()), counts
    assert sum(counts.values()) == len(instrument.items)
    ids = [item.id for item in instrument.items]
    assert len(set(ids)) == len(ids)
    assert instrument.item_point() == {item.id: item.point for item in instrument.items}


def test_scale_is_one_to_five_plus_dont_know(instrument):
    assert instrument.level_values == (1, 2, 3, 4, 5)
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)
    assert all(type(v) is int for v in instrument.level_values)
    assert instrument.dont_know == {"en": "Don't know", "es": "No sé"}


def _all_texts(inst: Instrument) -> dict[str, dict[str, str]]:
    texts = {"title": inst.title, "attribution": inst.attribution, "dont_know": inst.dont_know}
    for i, level in enumerate(inst.levels):
        texts[f"levels[{i}].label"] = level.label
        texts[f"levels[{i}].description"] = level.description
    for p in inst.points:
        texts[f"{p.id}.title"] = p.title
        texts[f"{p.id}.summary"] = p.summary
    for item in inst.items:
        texts[f"{item.id}.text"] = item.text
    return texts


def test_every_text_has_english_and_spanish(instrument):
    texts = _all_texts(instrument)
    assert len(texts) == 3 + 2 * 5 + 2 * 7 + len(instrument.items)
    missing = [name for name, t in texts.items()
               if set(t) != {"en", "es"} or not all(isinstance(v, str) and v.strip() for v in t.values())]
    assert missing == []
    # Spanish is a translation, not a copy of the English.
    assert all(t["en"] != t["es"] for name, t in texts.items() if name.endswith(".text")), "untranslated item"


def test_attribution_says_it_is_not_the_ihi_tool(instrument):
    assert "Not the IHI's own appendix tool" in instrument.attribution["en"]
    assert "Reinertsen" in instrument.attribution["en"]
    assert "IHI" in instrument.attribution["es"]


def test_text_falls_back_to_the_first_language(instrument):
    item = instrument.items[0]
    assert instrument.text(item.text, "es") == item.text["es"]
    assert instrument.text(item.text, "fr") == item.text["en"]


def test_unknown_instrument_is_a_key_error():
    with pytest.raises(KeyError, match="no instrument 'nope'"):
        get_instrument("nope")
    with pytest.raises(KeyError, match="version '9.9'"):
        get_instrument(DEFAULT_INSTRUMENT_ID, "9.9")


@pytest.mark.parametrize("suffix", [".json", ".yml"])
def test_same_instrument_as_json_or_yml(tmp_path, default_data, instrument, suffix):
    path = tmp_path / f"copy{suffix}"
    text = json.dumps(default_data) if suffix == ".json" else yaml.safe_dump(default_data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    assert load_instrument(path) == instrument


# --- bad files --------------------------------------------------------------------------------------------


def _del(*path) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        target = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


def _set(value, *path) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _duplicate_item_id(d: dict) -> None:
    d["items"][4]["id"] = d["items"][3]["id"]


def _drop_point_items(d: dict) -> None:
    d["items"] = [item for item in d["items"] if item["point"] != "LP7"]


def _duplicate_point(d: dict) -> None:
    d["leverage_points"][1]["id"] = "LP1"


# (id, mutation, field path in the message, problem in the message)
BROKEN = [
    ("missing-version", _del("version"), "(top level)", "'version' is a required property"),
    ("item-points-to-LP9", _set("LP9", "items", 3, "point"), "items[3].point",
     "'LP9' is not one of the leverage points (LP1, LP2, LP3, LP4, LP5, LP6, LP7)"),
    ("duplicate-item-id", _duplicate_item_id, "items[4].id", "appears more than once"),
    ("item-without-spanish", _del("items", 3, "text", "es"), "items[3].text", "no text for language(s) es"),
    ("item-with-empty-spanish", _set("", "items", 3, "text", "es"), "items[3].text.es", "should be non-empty"),
    ("level-value-text", _set("three", "scale", "levels", 2, "value"), "scale.levels[2].value",
     "'three' is not of type 'integer'"),
    ("level-value-fraction", _set(2.5, "scale", "levels", 2, "value"), "scale.levels[2].value",
     "2.5 is not of type 'integer'"),
    ("level-values-not-consecutive", _set(6, "scale", "levels", 4, "value"), "scale.levels",
     "level values must be consecutive whole numbers in ascending order"),
    ("version-is-a-number", _set(1, "version"), "version", "1 is not of type 'string'"),
    ("attribution-without-spanish", _del("attribution", "es"), "attribution", "no text for language(s) es"),
    ("unknown-field", _set("x", "items", 0, "colour"), "items[0]", "Additional properties are not allowed"),
    ("point-LP8", _set("LP8", "leverage_points", 6, "id"), "leverage_points[6].id", "'LP8' is not one of"),
    ("point-twice", _duplicate_point, "leverage_points", "leverage point LP1 appears more than once"),
    ("point-without-items", _drop_point_items, "items", "leverage point(s) LP7 have no items"),
]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("mutate, field, problem", [pytest.param(*case[1:], id=case[0]) for case in BROKEN])
def test_broken_instrument_file(tmp_path, default_data, mutate, field, problem, suffix):
    data = copy.deepcopy(default_data)
    mutate(data)
    path = tmp_path / f"broken-instrument{suffix}"
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data, allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert f"broken-instrument{suffix}" in message
    assert f": {field}: " in message
    assert problem in message
    assert info.value.problem in message and str(path) == info.value.source


# (id, file name, bytes or None for "do not create", problem in the message)
UNREADABLE = [
    ("invalid-yaml", "bad.yaml", b"id: x\nversion: [1,\n  title: {\n", "not valid YAML at line"),
    ("invalid-json", "bad.json", b'{"id": "x", "version": ', "not valid JSON"),
    ("empty-file", "empty.yaml", b"", "the file must hold a mapping"),
    ("list-not-mapping", "list.yaml", b"- a\n- b\n", "the file must hold a mapping"),
    ("not-utf8", "latin.yaml", b"id: caf\xe9\n", "the file is not UTF-8 text"),
    ("nonexistent", "missing.yaml", None, "cannot read the file (No such file or directory)"),
]


@pytest.mark.parametrize("name, content, problem", [pytest.param(*case[1:], id=case[0]) for case in UNREADABLE])
def test_unreadable_instrument_file(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    assert str(info.value).startswith(f"{path}: (top level): ")
    assert problem in str(info.value)


def test_a_directory_is_not_an_instrument(tmp_path):
    folder = tmp_path / "instrument.yaml"
    folder.mkdir()
    with pytest.raises(InstrumentError, match=r"instrument\.yaml: \(top level\): cannot read the file"):
        load_instrument(folder)


def test_float_level_values_are_refused_or_read_as_integers(tmp_path, default_data):
    data = copy.deepcopy(default_data)
    data["scale"]["levels"][0]["value"] = 1.0
    path = tmp_path / "float-level.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        inst = load_instrument(path)
    except InstrumentError as exc:
        assert "float-level.yaml: scale.levels[0].value: " in str(exc)
    else:
        assert [type(v) for v in inst.level_values] == [int] * 5
