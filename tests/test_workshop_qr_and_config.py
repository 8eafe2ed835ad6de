"""Join links, QR codes drawn offline, and the workshop settings."""

from __future__ import annotations

import pytest
import segno

from leverage.core.settings import ConfigError, load_settings
from leverage.workshops import qr


def test_join_link():
    assert qr.join_link("https://app.example.org/", "K7MPXA") == "https://app.example.org/join?code=K7MPXA"


def test_qr_png_and_svg_encode_the_link():
    link = qr.join_link("http://10.0.0.5:8501", "ACD347")
    code = qr.make(link)
    assert code.error == "M" and not code.is_micro
    # a different link gives a different symbol; the same link the same one
    assert code.matrix == qr.make(link).matrix
    assert code.matrix != qr.make(link.replace("ACD347", "ACD349")).matrix
    png = qr.png(link, scale=4)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # PNG IHDR width = (modules + 2 × 4 quiet zone) × scale
    width = int.from_bytes(png[16:20], "big")
    assert width == (code.symbol_size(scale=1, border=0)[0] + 8) * 4
    svg = qr.svg(link)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert segno.make_qr(link, error="m", boost_error=False).designator == code.designator
    with pytest.raises(ValueError):
        qr.make("")


def test_workshop_settings():
    s = load_settings({"LEVERAGE_FACILITATOR_PASSPHRASE": "secret words", "LEVERAGE_PUBLIC_URL": "https://x.org/"})
    assert s.facilitator_passphrase == "secret words"
    assert "secret words" not in repr(s)
    assert s.public_url == "https://x.org"
    assert load_settings({}).facilitator_passphrase is None and load_settings({}).public_url is None
    with pytest.raises(ConfigError, match="LEVERAGE_PUBLIC_URL"):
        load_settings({"LEVERAGE_PUBLIC_URL": "x.org"})


def test_the_old_facilitator_emails_setting_says_what_replaced_it():
    with pytest.raises(ConfigError, match="LEVERAGE_FACILITATOR_EMAILS is replaced by single sign-on mappings"):
        load_settings({"LEVERAGE_FACILITATOR_EMAILS": "ana@x.org"})
    assert load_settings({"LEVERAGE_FACILITATOR_EMAILS": " "}).facilitator_passphrase is None
