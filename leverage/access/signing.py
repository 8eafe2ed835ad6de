"""The installation's signing key and HMAC signatures of cookies and invitation links.

The key is LEVERAGE_SECRET_KEY when set (env or .streamlit/secrets.toml); otherwise one is drawn once
(256 random bits) and kept in the database (table `meta`), so every server of an installation signs and
checks with the same key. A signature is HMAC-SHA256, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa

from leverage.core.database import Database
from leverage.core.schema import meta

META_KEY = "signing_key"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def installation_key(db: Database, configured: str | None = None) -> bytes:
    """The configured key, else the one kept in the database (drawn on first use, once for all servers)."""
    if configured:
        return configured.encode("utf-8")
    found = db.get_meta(META_KEY)
    if found is None:
        drawn = secrets.token_hex(32)
        with db.write() as conn:  # two servers starting at once: the first insert wins, both read it back
            if conn.execute(sa.select(meta.c.value).where(meta.c.key == META_KEY)).first() is None:
                conn.execute(meta.insert().values(key=META_KEY, value=drawn))
        found = db.get_meta(META_KEY)
    return str(found).encode("utf-8")


def sign(key: bytes, purpose: str, value: str, length: int = 22) -> str:
    """A URL-safe signature of `value` for one `purpose` (a cookie's MAC never verifies as a link's)."""
    return _b64(hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest())[:length]


def verify(key: bytes, purpose: str, value: str, signature: str, length: int = 22) -> bool:
    return hmac.compare_digest(sign(key, purpose, value, length), signature or "")


def token() -> str:
    """A random token for a link or a cookie: 256 bits."""
    return secrets.token_urlsafe(32)


def digest(text: str) -> str:
    """What the database keeps of a token: its SHA-256 (a stolen table gives no working link)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
