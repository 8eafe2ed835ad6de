"""The board pack in Spanish: `--lang es` on the command line, `language="es"` on `gather`, tables for charts.

Expectations are hand-written Spanish (the catalog's wording, CLDR's dates: "miércoles, 14 de octubre de
2026", "30 sept 2026"), so a heading that escapes the catalog, or a date written in English, fails.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from leverage.core.i18n import language, use_language
from leverage.core.settings import load_settings
from leverage.reports.boardpack.content import BoardPackError, gather
from leverage.reports.boardpack.render import render_pack
from leverage.survey.store import Store
from tests.helpers import demo_store_url

ROOT = Path(__file__).resolve().parents[1]
RIVERSIDE = "Riverside Health System"
SETTINGS = load_settings({})
AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_store_url(tmp_path_factory.mktemp("pack_es"))


@pytest.fixture(scope="module")
def spanish_pdf(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The page texts of the Spanish pack made by the command line, without a browser."""
    out = tmp_path_factory.mktemp("out") / "pack.pdf"
    env = {**os.environ, "LEVERAGE_DATABASE_URL": demo_url, "LEVERAGE_CHROMIUM": "off"}
    done = subprocess.run([sys.executable, "-m", "leverage", "boardpack", "--organization", RIVERSIDE, "--as-of",
                           AS_OF.isoformat(), "--meeting", "2026-10-14", "--lang", "es", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(out.read_bytes())).pages]


def test_the_cover_is_in_spanish_with_spanish_dates(spanish_pdf: list[str]) -> None:
    cover = spanish_pdf[0]
    assert ("Informe para la junta directiva: objetivos del sistema y los siete puntos de palanca del liderazgo"
            in cover)
    assert "Reunión: miércoles, 14 de octubre de 2026" in cover
    assert "Corte de datos: 30 de septiembre de 2026 (no se incluyen las mediciones posteriores a esta fecha)" in cover
    assert "En este informe los gráficos se muestran como tablas" in cover
    assert "Board pack" not in cover and "Meeting" not in cover


def test_every_page_has_the_spanish_footer(spanish_pdf: list[str]) -> None:
    assert all("Corte de datos: 30 sept 2026 · Leverage" in page for page in spanish_pdf)
    assert not any("Data cut-off" in page for page in spanish_pdf)


def test_the_vital_few_aim_pages_and_assessment_are_in_spanish(spanish_pdf: list[str]) -> None:
    text = "\n".join(spanish_pdf)
    assert "Los pocos vitales: Riverside Health System" in text
    for heading in ("Objetivo", "Variación", "Garantía", "Proyección", "Meta actual", "Fecha límite",
                    "Responsable"):
        assert heading in spanish_pdf[1], heading
    assert "Preguntas que plantear" in spanish_pdf[2] and "Gráfico no dibujado:" in spanish_pdf[2]
    assert "Causa especial de mejora: desplazamiento" in spanish_pdf[2]  # the demo's harm aim: a shift
    assert "Autoevaluación: los siete puntos de palanca del liderazgo" in text
    # the leverage points' titles come from the instrument's Spanish text
    assert "Establecer y supervisar objetivos específicos a nivel de sistema" in text
    for english in ("Questions to ask", "Self-assessment", "The vital few", "Target now", "Chart not drawn"):
        assert english not in text, english


def test_gather_in_spanish_leaves_the_current_language_alone(demo_url: str) -> None:
    store = Store(demo_url)
    try:
        pack = gather(store, SETTINGS, RIVERSIDE, as_of=AS_OF, language="es")
        assert language() == "en" and pack.language == "es"
        made = render_pack(pack, ".pdf", charts=False)  # written in the pack's language by default
        assert language() == "en"
        assert made.summary.endswith("gráficos dibujados")
        english = render_pack(pack, ".pdf", charts=False, language="en")
        assert "charts drawn" in english.summary
        deck = Presentation(io.BytesIO(render_pack(pack, ".pptx", charts=False).data))
        words = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                         if shape.has_text_frame)
        assert "Preguntas que plantear" in words and "Los pocos vitales: Riverside Health System" in words
        assert "Questions to ask" not in words
        with use_language("es"), pytest.raises(BoardPackError, match="No hay ninguna organización llamada 'Nadie'"):
            gather(store, SETTINGS, "Nadie")
    finally:
        store.dispose()
