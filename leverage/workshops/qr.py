"""QR codes for join links, drawn in-process and offline with `segno` (pure Python, no network, no Pillow).

segno is small, well kept and implements ISO/IEC 18004 fully; writing a QR encoder by hand would be
hundreds of lines of Reed–Solomon arithmetic to get wrong.
"""

from __future__ import annotations

import io

import segno

#: Error correction "M" (15 % of the symbol may be lost): a projected code survives glare and a bad angle.
ERROR = "m"


def make(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("a QR code needs a link")
    return segno.make_qr(url, error=ERROR, boost_error=False)


def png(url: str, scale: int = 10) -> bytes:
    """PNG bytes, `scale` pixels per module, with the standard 4-module quiet zone."""
    buf = io.BytesIO()
    make(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def svg(url: str, scale: int = 10) -> str:
    """A standalone SVG document (for a printed handout or a slide)."""
    buf = io.BytesIO()
    make(url).save(buf, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return buf.getvalue().decode("utf-8")


def join_link(base_url: str, code: str) -> str:
    """`<base>/join?code=XXXXXX`: the address a phone opens (the page file is pages/join.py)."""
    return f"{base_url.rstrip('/')}/join?code={code}"
