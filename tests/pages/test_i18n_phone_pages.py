"""AppTest of the phone pages in Spanish: the join page and the workshop participant view show Spanish labels
(hand-written expectations from pages.po and the instrument's Spanish texts), and the answers still save.

The language is Spanish for the whole app run: `?lang=es` (the app's own language choice) and, so the test does
not depend on how the frame reads it, the process-wide default of the language variable set to Spanish.
"""

from __future__ import annotations

from contextvars import ContextVar

import pytest
from streamlit.testing.v1 import AppTest

from leverage.core import i18n
from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.pages.conftest import APP, TIMEOUT, no_errors, org_id
from tests.pages.test_workshop_pages import ORG, button, fresh, texts


@pytest.fixture
def spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run of the app (in AppTest's script thread too) starts in Spanish."""
    monkeypatch.setattr(i18n, "_current", ContextVar("leverage_language", default="es"))


@pytest.fixture
def service(db_url, monkeypatch):
    monkeypatch.setenv("LEVERAGE_MIN_N", "3")
    store = Store(db_url)
    yield Workshops(store, min_n_floor=3)
    store.dispose()


def phone(code: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "es"
    if code:
        at.query_params["code"] = code
    at.switch_page("pages/join.py").run()
    no_errors(at)
    return at


def test_the_join_page_without_a_code_is_in_spanish(db_url, spanish):
    at = phone()
    assert at.title[0].value == "Unirse al taller"
    assert at.text_input[0].label == "Código del taller"
    assert at.text_input[0].placeholder == "p. ej., K7MPXA"
    assert [b.label for b in at.button] == ["Continuar"]
    assert "Escanee el código QR de la pantalla o escriba el código que muestra el facilitador." in texts(at)


def test_joining_and_answering_a_point_in_spanish(db_url, service, spanish):
    made = service.create(org_id(db_url, ORG), "Taller de la junta", ["LP1"], round_name="WS es", min_n=3)
    at = phone(made["code"])
    assert at.selectbox[1].label == "Su departamento (opcional)"
    assert at.selectbox[1].value is None and at.selectbox[1].options[0] == "Prefiero no decirlo"
    assert "grupos de al menos 3 personas" in texts(at)  # the threshold in the sentence
    button(at, "Unirse").click().run()
    no_errors(at)
    assert "Esperando a que el facilitador abra el siguiente punto. Esta página se actualiza sola." in texts(at)

    service.open_point(made["id"], "LP1")
    fresh()
    at.run()
    no_errors(at)
    first = at.radio(key="ws_1_LP1.1")
    assert first.label.startswith("LP1.1 La organización tiene objetivos numéricos específicos")  # the instrument's es
    assert first.options[:2] == ["1 No iniciado", "2 Planificación"] and first.options[-1] == "No sé"
    for item in service.instrument.items_for("LP1"):
        at.radio(key=f"ws_1_{item.id}").set_value(4)
    button(at, "Guardar mis respuestas a LP1").click().run()
    no_errors(at)
    assert any(s.value.startswith("Registradas a las ") for s in at.success)
    assert "Ha respondido todos los puntos abiertos." in texts(at)
    assert "1 de 1 puntos abiertos respondidos." in texts(at)
    change = at.button_group(key="ws_change")
    assert list(change.options) == ["Cambiar LP1"]  # the pills that reopen a point, in Spanish
    assert set(service.answers(made["id"])["value"]) == {4}


def test_an_unanswered_statement_is_reported_in_spanish(db_url, service, spanish):
    made = service.create(org_id(db_url, ORG), "Faltan", ["LP1"], round_name="WS es 2", min_n=3)
    service.open_point(made["id"], "LP1")
    at = phone(made["code"])
    button(at, "Unirse").click().run()
    at.radio(key="ws_1_LP1.1").set_value(2)  # the other statements left open
    button(at, "Guardar mis respuestas a LP1").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Responda todas las afirmaciones de LP1 o elija «No sé»: faltan LP1.2")
    assert service.answers(made["id"]).empty


def test_the_console_and_the_projector_show_spanish_labels_and_decimal_commas(db_url, service, spanish):
    """The room's screens: Spanish labels, and a published mean of 2.67 ((2 + 3 + 3) / 3) written 2,67."""
    made = service.create(org_id(db_url, ORG), "Sala", ["LP1"], round_name="WS es 3", min_n=3)
    people = [service.join(made["code"], f"p{k}") for k in range(3)]
    service.open_point(made["id"], "LP1")
    for person, value in zip(people, (2, 3, 3), strict=True):
        service.submit(person, "LP1", {i.id: value for i in service.instrument.items_for("LP1")})
    service.close_point(made["id"], "LP1")
    service.reveal_point(made["id"], "LP1")
    fresh()
    screens = {}
    for page in ("workshop", "projector"):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params["lang"] = "es"
        at.session_state["ws_facilitator"] = True
        at.session_state["organization_id"] = org_id(db_url, ORG)
        at.session_state["ws_id"] = made["id"]
        at.switch_page(f"pages/{page}.py").run()
        no_errors(at)
        screens[page] = at
    console = screens["workshop"]
    metrics = {m.label: m.value for m in console.metric}
    assert metrics["Participantes"] == "3" and metrics["Votación"] == "1 de 2" and metrics["Estado"] == "en curso"
    assert {"Abrir", "Cerrar", "Bloquear", "Ocultar"} <= {b.label for b in console.button}
    published = console.table[0].value
    assert list(published.columns[:3]) == ["Punto", "n publicado", "Media (1–5)"]
    assert published.iloc[0]["Media (1–5)"] == "2,67"
    assert "**LP1** Establecer y supervisar objetivos específicos" in texts(console)
    projector = screens["projector"]
    assert "Media **2,67** de 5 · IC del 95 %" in texts(projector) and "· n = 3" in texts(projector)
    assert {"‹ Anterior", "Siguiente ›"} <= {b.label for b in projector.button}
