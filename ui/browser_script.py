"""The few things the server asks the browser to do itself: store or drop a cookie, set `<html lang>`.

Streamlit has no server-side cookie call, so both the session cookie (ui/auth.py) and the language cookie
(ui/language.py) are written by one tiny static script. Values are server-made and JSON-quoted into the
script, never user text.
"""

from __future__ import annotations

import json

import streamlit as st


def cookie_js(name: str, value: str | None, days: float) -> str:
    """A statement storing `name=value` for `days` (Lax, Secure on HTTPS), or dropping it when `value` is None."""
    if value is None:
        return f"document.cookie = {json.dumps(name + '=; Path=/; Max-Age=0; SameSite=Lax')};"
    head = json.dumps(f"{name}={value}; Path=/; Max-Age={int(days * 86400)}; SameSite=Lax")
    return f"document.cookie = {head} + (location.protocol === 'https:' ? '; Secure' : '');"


def html_lang_js(code: str) -> str:
    """A statement setting the document's language (screen readers and axe's html-lang rules read it)."""
    return f"document.documentElement.lang = {json.dumps(code)};"


def run(*statements: str) -> None:
    """Run `statements` once in the browser (an invisible element of this run)."""
    st.html("<script>" + "".join(statements) + "</script>", unsafe_allow_javascript=True, width="content")
