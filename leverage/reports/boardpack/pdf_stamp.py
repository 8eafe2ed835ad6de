"""Vector charts onto the board pack's pages: each chart's one-page PDF placed, scaled to its box, on its page."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject


@dataclass(frozen=True)
class Stamp:
    page: int  # 0-based
    x: float  # mm from the left
    y: float  # mm from the top
    w: float
    h: float
    pdf: bytes  # the chart, a one-page PDF


def stamp_charts(raw: bytes, stamps: list[Stamp], page_h: float) -> bytes:
    """Place each chart's one-page PDF, scaled to its box, onto its page: vectors stay vectors.

    Each chart becomes a form XObject drawn with one `Do`; pypdf's `merge_transformed_page` would do the
    same by rewriting every operator of both pages, four times slower for a 25-aim pack.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    add = writer._add_object  # a new indirect object: pypdf has no public name for this
    mm = 72 / 25.4
    for n, stamp in enumerate(stamps):
        chart = PdfReader(io.BytesIO(stamp.pdf)).pages[0]
        box = [float(v) for v in chart.mediabox]
        cw, ch = box[2] - box[0], box[3] - box[1]
        form = DecodedStreamObject()
        form.set_data(chart.get_contents().get_data())
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): ArrayObject([FloatObject(v) for v in box]),
                     NameObject("/Resources"): chart["/Resources"].get_object().clone(writer)})
        name = NameObject(f"/LeverageChart{n}")
        page = writer.pages[stamp.page]
        resources = page[NameObject("/Resources")].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        resources["/XObject"].get_object()[name] = add(form.flate_encode())
        scale = min(stamp.w * mm / cw, stamp.h * mm / ch)
        x = stamp.x * mm + (stamp.w * mm - cw * scale) / 2 - box[0] * scale
        y = (page_h - stamp.y - stamp.h) * mm + (stamp.h * mm - ch * scale) - box[1] * scale
        draw = DecodedStreamObject()
        draw.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {x:.4f} {y:.4f} cm {name} Do Q".encode())
        contents = page["/Contents"].get_object()
        parts = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
        page[NameObject("/Contents")] = ArrayObject([*parts, add(draw)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
