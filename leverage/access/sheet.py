"""Invitation links to hand out: a CSV (one row per link) and a printable PDF sheet of QR codes.

The PDF is an A4 page of 3 × 4 cards, each with the QR code of one link, the link itself, and the
card's label (a roster name given at creation, else role and department), to cut apart and hand out.
QR codes are drawn offline by segno; the PDF by fpdf2 (both already app dependencies).
"""

from __future__ import annotations

import io

import pandas as pd
import segno
from fpdf import FPDF

from leverage.survey.responses import to_csv_bytes

COLS, ROWS = 3, 4
CARD_W, CARD_H = 63.0, 70.0  # mm on A4 (210 × 297) with 10 mm margins


def links_csv(links: pd.DataFrame) -> bytes:
    """`links`: one row per invitation with at least `link`; formula-like text is neutralised."""
    return to_csv_bytes(links)


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1: anything else shows as '?' rather than failing the sheet."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def qr_sheet(links: pd.DataFrame, title: str) -> bytes:
    """A4 PDF, 12 cards a page: QR code, label, and the link in small type."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin1(title))
    per_page = COLS * ROWS
    for start in range(0, max(len(links), 1), per_page):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.set_xy(10, 5)
        pdf.cell(190, 5, _latin1(title), align="C")
        for k, rec in enumerate(links.iloc[start:start + per_page].itertuples(index=False)):
            x = 10 + (k % COLS) * CARD_W
            y = 12 + (k // COLS) * CARD_H
            pdf.set_draw_color(180, 180, 180)
            pdf.set_dash_pattern(dash=1, gap=1)
            pdf.rect(x, y, CARD_W, CARD_H)
            pdf.set_dash_pattern()
            buf = io.BytesIO()
            segno.make_qr(rec.link, error="m").save(buf, kind="png", scale=6, border=2)
            buf.seek(0)
            pdf.image(buf, x=x + (CARD_W - 42) / 2, y=y + 3, w=42, h=42)
            pdf.set_font("Helvetica", "B", 9)
            pdf.set_xy(x + 2, y + 46)
            pdf.multi_cell(CARD_W - 4, 4, _latin1(getattr(rec, "label", "") or "Self-assessment invitation"),
                           align="C")
            pdf.set_font("Helvetica", "", 6)
            pdf.set_xy(x + 2, y + 55)
            pdf.multi_cell(CARD_W - 4, 2.8, _latin1(rec.link), align="C")
    return bytes(pdf.output())
