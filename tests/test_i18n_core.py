"""leverage.core.i18n and leverage.core.localized: language codes, Accept-Language, the per-context language,
catalog look-ups (plural forms, fuzzy entries left out) and locale formats, with hand-written expectations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leverage.core import i18n
from leverage.core.i18n import (
    _,
    format_date,
    format_number,
    format_percent,
    language,
    ngettext,
    normalize,
    preferred,
    set_language,
    use_language,
)
from leverage.core.localized import DAY, LONG_DAY, MONTH, WEEKDAY, fixed, percent, when

NBSP = "\u00a0"

PO = r'''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Round"
msgstr "Ronda"

#, fuzzy
msgid "Deadline"
msgstr "Plazo dudoso"

msgid "Threshold"
msgstr ""

msgid "{n} respondent"
msgid_plural "{n} respondents"
msgstr[0] "{n} persona respondió"
msgstr[1] "{n} personas respondieron"
'''


@pytest.fixture
def tiny_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-made Spanish catalog in place of the repository's, read afresh."""
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "tiny.po").write_text(PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    i18n.plural_rule.cache_clear()
    yield
    i18n.catalog.cache_clear()
    i18n.plural_rule.cache_clear()


@pytest.fixture(autouse=True)
def english_after() -> None:
    yield
    set_language("en")


@pytest.mark.parametrize(("given", "code"), [
    ("es", "es"), ("es-ES", "es"), ("ES_mx", "es"), (" en-GB ", "en"), ("fr", None), ("", None), (None, None),
])
def test_normalize(given: str | None, code: str | None) -> None:
    assert normalize(given) == code


@pytest.mark.parametrize(("header", "code"), [
    ("es-ES,es;q=0.9,en;q=0.8", "es"),
    ("fr-FR,es;q=0.8,en;q=0.9", "en"),  # the higher q wins, not the order
    ("fr, es;q=0.5", "es"),  # an unsupported first choice is skipped
    ("es;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
    ("es;q=abc, en;q=0.2", "en"),  # a malformed q counts as 0
    ("en;q=0.5, es;q=0.5", "en"),  # a tie keeps the header's order
    ("de-DE, fr", None),
    ("", None),
])
def test_preferred_reads_q_values(header: str, code: str | None) -> None:
    assert preferred(header) == code


def test_use_language_restores_the_previous_one_even_after_an_error() -> None:
    set_language("en")
    with use_language("es") as chosen:
        assert chosen == "es" and language() == "es"
        with use_language("xx"):  # unsupported: English
            assert language() == "en"
        assert language() == "es"
    assert language() == "en"
    with pytest.raises(RuntimeError), use_language("es"):
        raise RuntimeError("boom")
    assert language() == "en"


def test_set_language_falls_back_to_english() -> None:
    assert set_language("es-AR") == "es" and language() == "es"
    assert set_language("klingon") == "en" and language() == "en"


def test_gettext_uses_translations_and_ignores_fuzzy_and_empty_ones(tiny_catalog: None) -> None:
    assert _("Round") == "Round"  # English never looks anything up
    with use_language("es"):
        assert _("Round") == "Ronda"
        assert _("Deadline") == "Deadline"  # fuzzy: left out
        assert _("Threshold") == "Threshold"  # empty: left out
        assert _("Not in the catalog") == "Not in the catalog"


def test_ngettext_picks_the_plural_form(tiny_catalog: None) -> None:
    assert ngettext("{n} respondent", "{n} respondents", 1) == "{n} respondent"
    assert ngettext("{n} respondent", "{n} respondents", 0) == "{n} respondents"
    with use_language("es"):
        assert ngettext("{n} respondent", "{n} respondents", 1).format(n=1) == "1 persona respondió"
        assert ngettext("{n} respondent", "{n} respondents", 5).format(n=5) == "5 personas respondieron"
        assert ngettext("{n} apple", "{n} apples", 2) == "{n} apples"  # not translated: English forms


def test_numbers_in_english_and_spanish() -> None:
    assert format_number(1234.5) == "1,234.5"
    assert format_number(12345.678, 2) == "12,345.68"
    assert format_number(3.0, 0) == "3"
    with use_language("es"):
        assert format_number(1234.5) == "1.234,5"  # Babel groups four digits too (it ignores minimumGroupingDigits)
        assert format_number(12345.678, 2) == "12.345,68"
        assert format_number(0.5, 1) == "0,5"


def test_percentages_in_english_and_spanish() -> None:
    assert format_percent(0.25) == "25%"
    assert format_percent(0.256, 1) == "25.6%"
    with use_language("es"):
        assert format_percent(0.25) == f"25{NBSP}%"
        assert format_percent(0.256, 1) == f"25,6{NBSP}%"


def test_dates_in_english_and_spanish() -> None:
    day = dt.date(2026, 12, 3)
    assert format_date(day) == "Dec 3, 2026"
    assert format_date(day, "long") == "December 3, 2026"
    with use_language("es"):
        assert format_date(day) == "3 dic 2026"
        assert format_date(day, "long") == "3 de diciembre de 2026"


def test_localized_keeps_english_as_python_writes_it_and_uses_babel_otherwise() -> None:
    day = dt.date(2026, 9, 3)
    assert (when(day), when(day, LONG_DAY), when(day, MONTH)) == ("03 Sep 2026", "03 September 2026", "Sep 2026")
    assert when(day, WEEKDAY) == "Thursday 03 September 2026"
    assert (fixed(1234.5, 2), percent(0.9)) == ("1,234.50", "90%")
    with use_language("es"):
        assert (when(day, DAY), when(day, LONG_DAY), when(day, MONTH)) == (
            "3 sept 2026", "3 de septiembre de 2026", "sept 2026")
        assert when(day, WEEKDAY) == "jueves, 3 de septiembre de 2026"
        assert (fixed(12345.5, 2), percent(0.9)) == ("12.345,50", f"90{NBSP}%")


def test_messages_of_the_package_read_in_spanish_and_stay_english_otherwise() -> None:
    """A few of leverage/'s messages through the repository's Spanish catalog, against hand-written Spanish."""
    from leverage.access.permissions import InstallationPermission, refusal
    from leverage.aims.icons import variation_label, variation_svg
    from leverage.aims.projection import project

    assert project([], [], None, None, "up").reason == "No target or deadline set."
    english_icon = variation_svg("concern_high")
    assert "<title>Special cause concern (high)</title>" in english_icon
    installation = next(iter(InstallationPermission))
    with use_language("es"):
        assert project([], [], None, None, "up").reason == "No se ha definido meta ni fecha límite."
        assert project([], [], 5.0, dt.date(2027, 1, 1), "up").reason == "Aún no hay mediciones."
        assert variation_label("concern_high") == "Causa especial de preocupación (alta)"
        assert "<title>Causa especial de preocupación (alta)</title>" in variation_svg("concern_high")
        assert refusal(installation) == "Solo un administrador de la instalación puede hacer esto."
    assert variation_svg("concern_high") == english_icon  # the icon cache keeps one drawing per language


def test_ngettext_follows_the_catalogs_own_plural_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLDR's Spanish rule has three forms (one; many = whole millions; other): the index comes from the header."""
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "three.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);\\n"\n\n'
        'msgid "{n} answer"\nmsgid_plural "{n} answers"\n'
        'msgstr[0] "{n} respuesta"\nmsgstr[1] "{n} de respuestas"\nmsgstr[2] "{n} respuestas"\n',
        encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    i18n.plural_rule.cache_clear()
    try:
        with use_language("es"):
            assert ngettext("{n} answer", "{n} answers", 1) == "{n} respuesta"
            assert ngettext("{n} answer", "{n} answers", 2_000_000) == "{n} de respuestas"
            assert ngettext("{n} answer", "{n} answers", 7) == "{n} respuestas"
            assert ngettext("{n} answer", "{n} answers", 0) == "{n} respuestas"
    finally:
        i18n.catalog.cache_clear()
        i18n.plural_rule.cache_clear()
