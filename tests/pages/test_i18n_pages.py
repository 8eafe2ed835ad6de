"""Every string a page shows goes through the catalog, and the language follows `?lang=`, the picker and memory.

The pseudo-language check: the catalog is replaced by one that gives every message as "⟦message⟧", the page is
run in it (as an admin, on the demo data), and every visible text element (titles, captions, messages, widget,
metric, tab and expander labels) must contain "⟦" unless it is pure data (numbers, dates, names of
organizations, rounds, departments and aims, the instrument's own statements). An English literal that never
went through `_` is reported with its element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from leverage.core import i18n, schema
from leverage.survey.instrument import default_instrument
from leverage.survey.store import Store
from tests.pages.conftest import invitation_token, no_errors, org_id

OPEN, CLOSE = "⟦", "⟧"
FILE_FORMATS = {"CSV", "Excel", "Parquet", "PNG", "SVG", "PDF", "PowerPoint"}  # names of formats, as in any language


class PseudoCatalog(dict):
    """Every message "translated" to itself in brackets, so an untranslated text stands out."""

    def get(self, key, default=None):
        if isinstance(key, tuple):
            return tuple(OPEN + k + CLOSE for k in key)
        return OPEN + key + CLOSE


@pytest.fixture
def pseudo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pseudo catalog, and the language set in the test's own thread too: AppTest calls a widget's
    `format_func` from the test thread when it reruns, where the page run's language is not set."""
    monkeypatch.setattr(i18n, "catalog", lambda language: PseudoCatalog())
    with i18n.use_language("es"):
        yield


def data_strings(url: str) -> list[str]:
    """What a page may show untranslated: the store's names and the instrument's own texts, longest first."""
    store = Store(url)
    try:
        names: set[str] = set()
        orgs = store.list_organizations()
        names |= set(orgs["name"])
        for org in orgs["id"]:
            names |= set(store.list_rounds(int(org))["name"])
            names |= set(store.list_departments(int(org))["name"])
        with store.engine.connect() as conn:
            for table, columns in ((schema.aims, ("title", "measure", "owner", "unit")), (schema.users, ("email",))):
                rows = conn.execute(sa.select(*(table.c[c] for c in columns))).all()
                names |= {str(v) for row in rows for v in row if v}
    finally:
        store.dispose()
    instrument = default_instrument()
    texts = [instrument.attribution, instrument.dont_know]
    texts += [t for p in instrument.points for t in (p.title, p.summary)]
    texts += [i.text for i in instrument.items]
    texts += [t for lv in instrument.levels for t in (lv.label, lv.description)]
    for text in texts:
        names |= set(text.values())
    names |= set(i18n.LANGUAGE_NAMES.values()) | FILE_FORMATS
    return sorted((n for n in names if n), key=len, reverse=True)


def shown_texts(at) -> Iterator[tuple[str, str]]:
    """(element kind, text) of everything a person reads on the page, sidebar included."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        for element in at.get(kind):
            yield kind, str(element.value)
    for kind in ("button", "selectbox", "radio", "checkbox", "text_input", "text_area", "number_input",
                 "date_input", "multiselect", "toggle", "metric", "tab", "expander"):
        for element in at.get(kind):
            yield kind, str(element.label)
    for kind in ("download_button", "page_link", "button_group"):
        for element in at.get(kind):
            label = getattr(getattr(element, "proto", None), "label", "")
            if label:
                yield kind, str(label)


DATA_LEFTOVER = re.compile(r"[\W\d_]|\b(?:LP\d+(?:\.\d+)?|n|ℹ️)\b", re.UNICODE)


def untranslated(at, data: list[str]) -> list[str]:
    """Elements with letters left once data is taken out, and no sign of the catalog."""
    found = []
    for kind, text in shown_texts(at):
        if OPEN in text:
            continue
        rest = text.replace("\\", "")
        for name in data:
            rest = rest.replace(name, " ")
        rest = re.sub(r"\bLP\d+(?:\.\d+)?\b|\bn\b|:material/[a-z_]+:", " ", rest)
        if re.search(r"[^\W\d_]", rest):
            found.append(f"{kind}: {text[:120]!r}")
    return found


def open_page(app, url: str, page: str):
    app.query_params["lang"] = "es"
    app.session_state["organization_id"] = org_id(url, "Riverside Health System")
    if page == "pages/self_assessment.py":
        app.query_params["invitation"] = invitation_token(url, "Riverside Health System", "2026 Autumn")
    app.run()
    if page != "pages/home.py":
        app.switch_page(page).run()
    no_errors(app)
    return app


# The pages this branch translates; the others are added when their branches are merged.
PAGES = sorted(f"pages/{p.name}" for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))


# Pages that show only a few elements without a live workshop (the phone's code form, the projector's prompt).
FEW_ELEMENTS = {"pages/join.py": 3, "pages/projector.py": 3}


@pytest.mark.parametrize("page", PAGES)
def test_every_shown_string_comes_from_the_catalog(app, db_url, pseudo, page):
    open_page(app, db_url, page)
    shown = list(shown_texts(app))
    assert len(shown) >= FEW_ELEMENTS.get(page, 6)  # the page drew something to check
    missing = untranslated(app, data_strings(db_url))
    assert not missing, "shown without the catalog:\n" + "\n".join(missing)


def test_the_check_reports_an_english_literal(app, db_url, pseudo):
    """The check must be able to fail: an element added without `_` is reported, data is not."""
    open_page(app, db_url, "pages/home.py")
    data = data_strings(db_url)

    class Fake:
        def __init__(self, texts):
            self.texts = texts

        def get(self, kind):
            return [type("E", (), {"value": t, "label": t})() for t in self.texts.get(kind, [])]

    fake = Fake({"caption": ["Riverside Health System, 2026 Autumn", "Threshold reached", "⟦Round⟧ 2026 Autumn"]})
    assert untranslated(fake, data) == ["caption: 'Threshold reached'"]


def test_lang_es_shows_spanish_navigation_and_title(app, db_url, monkeypatch):
    from ui import navigation

    titles: list[str] = []
    built = navigation.pages

    def spy(*args, **kwargs):
        pages = built(*args, **kwargs)
        titles[:] = [p.title for p in pages]
        return pages

    monkeypatch.setattr(navigation, "pages", spy)
    app.query_params["lang"] = "es"
    app.run()
    no_errors(app)
    assert app.title[0].value == "Siete puntos de palanca del liderazgo"
    assert app.sidebar.selectbox(key="language_picker").value == "es"
    assert {m.label for m in app.metric} >= {"Personas que respondieron", "Puntuación global (1–5)"}
    assert {"Inicio", "Autoevaluación", "Resultados", "Comparar", "Junta directiva", "Objetivos"} <= set(titles)
    assert "Home" not in titles


def test_picker_switches_language_and_is_remembered(app, db_url):
    app.run()
    assert app.title[0].value == "Seven Leadership Leverage Points"
    app.sidebar.selectbox(key="language_picker").set_value("es").run()
    no_errors(app)
    assert app.title[0].value == "Siete puntos de palanca del liderazgo"
    assert app.query_params["lang"] == ["es"] or app.query_params["lang"] == "es"
    # another page of the same session, with no ?lang= in its address: still Spanish
    app.query_params.pop("lang", None)
    app.switch_page("pages/results.py").run()
    no_errors(app)
    assert app.title[0].value == "Resultados"
    # and back to English through the picker
    app.sidebar.selectbox(key="language_picker").set_value("en").run()
    assert app.title[0].value == "Results"


def test_browser_language_is_the_default_and_lang_wins(app, db_url, monkeypatch):
    from ui import language

    monkeypatch.setattr(language, "_context", lambda kind: {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
                        if kind == "headers" else {})
    app.run()
    assert app.title[0].value == "Siete puntos de palanca del liderazgo"
    app.query_params["lang"] = "en"
    app.run()
    assert app.title[0].value == "Seven Leadership Leverage Points"


def test_remembered_cookie_is_used_when_there_is_no_lang(app, db_url, monkeypatch):
    from ui import language

    monkeypatch.setattr(language, "_context", lambda kind: {language.COOKIE: "es"} if kind == "cookies" else
                        {"Accept-Language": "en-GB"})
    app.run()
    assert app.title[0].value == "Siete puntos de palanca del liderazgo"


def pseudo_label(msgid: str) -> str:
    return OPEN + msgid + CLOSE


def assert_translated(app, url: str) -> None:
    no_errors(app)
    missing = untranslated(app, data_strings(url))
    assert not missing, "shown without the catalog:\n" + "\n".join(missing)


@pytest.mark.parametrize(("page", "state"), [
    ("pages/board.py", {"board_meeting_mode": True}),
    ("pages/aims.py", {"aims_pending": -1}),  # the new-aim form
    ("pages/compare.py", {"compare_view": "Profiles"}),
    ("pages/compare.py", {"compare_view": "Distributions"}),
    ("pages/compare.py", {"compare_view": "Role gaps"}),
    ("pages/compare.py", {"compare_view": "Trend"}),
    ("pages/compare.py", {"compare_view": "Funnel"}),
    ("pages/compare.py", {"compare_view": "Statements"}),
    ("pages/compare.py", {"compare_mode": "Organizations"}),
    ("pages/compare.py", {"compare_mode": "Organizations", "compare_view": "Role gaps"}),
])
def test_every_view_of_a_page_comes_from_the_catalog(app, db_url, pseudo, page, state):
    open_page(app, db_url, page)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    assert all(app.session_state[k] == v for k, v in state.items() if k != "aims_pending")
    assert_translated(app, db_url)


def test_every_step_of_the_self_assessment_comes_from_the_catalog(app, db_url, pseudo):
    open_page(app, db_url, "pages/self_assessment.py")
    next(s for s in app.selectbox if s.label == pseudo_label("Your role")).set_value("physician")
    next(b for b in app.button if b.label == pseudo_label("Start the self-assessment")).click().run()
    assert_translated(app, db_url)
    draft = app.session_state["sa_draft"]
    instrument = default_instrument()
    for point in instrument.points:
        for item in instrument.items_for(point.id):
            app.radio(key=f"sa_{draft.submission_id[:8]}_{item.id}").set_value(3)
        label = pseudo_label("Review answers →" if point.id == instrument.points[-1].id else "Next →")
        next(b for b in app.button if b.label == label).click().run()
        no_errors(app)
    assert_translated(app, db_url)  # the review
    next(b for b in app.button if b.label == pseudo_label("Submit my answers")).click().run()
    assert any(s.value == pseudo_label("Your profile") for s in app.subheader)
    assert_translated(app, db_url)  # the profile and plan



def test_picking_sets_lang_and_a_deselect_keeps_the_language(monkeypatch):
    """The picker's callback: a choice sets ?lang= and the session's language; clicking the compact control's
    current option again (a segmented control then reports no value) keeps the language."""
    from types import SimpleNamespace

    from ui import language

    fake = SimpleNamespace(session_state={language.PICKER_KEY: "es"}, query_params={})
    monkeypatch.setattr(language, "st", fake)
    language._picked()
    assert fake.session_state[language.LANG_KEY] == "es" and fake.query_params == {"lang": "es"}
    fake.session_state[language.PICKER_KEY] = None
    language._picked()
    assert fake.session_state[language.LANG_KEY] == "es" and fake.query_params == {"lang": "es"}


def test_anonymous_pages_have_the_compact_control(anonymous, db_url):
    anonymous.query_params["lang"] = "es"
    anonymous.run()
    no_errors(anonymous)
    control = anonymous.get("button_group")[0]
    assert control.proto.label == "Idioma"  # labelled for screen readers, in the reader's language
    assert any(i.value == "Inicie sesión para ver esta página." for i in anonymous.info)
