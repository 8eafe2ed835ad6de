"""Which language a browser session reads, and the picker that changes it.

Order (docs/i18n.md): `?lang=` in the address wins (a shared link opens in its language); else the choice
remembered by this browser session, else by the browser's `leverage_lang` cookie (it survives reloads and
new tabs, and any server behind the balancer reads it); else the browser's Accept-Language; else English.
`apply()` runs first in every script run, before any page code, so everything the run draws (navigation
titles included) is in one language. The cookie is written by a tiny static script, as the session cookie
is (Streamlit has no server-side cookie call), and only when it disagrees with the choice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from leverage.core import i18n
from leverage.core.i18n import _
from ui import browser_script

LANG_KEY = "_leverage_language"  # the language this browser session chose (or was given by ?lang=)
PICKER_KEY = "language_picker"  # the picker widget; set from LANG_KEY on every run
HTML_LANG_KEY = "_leverage_html_lang"  # the <html lang> this session's browser was last given
COOKIE_SET_KEY = "_leverage_lang_cookie"  # the cookie value this session last wrote (st.context keeps the old)
COOKIE = "leverage_lang"
APPLIED_KEY = "_leverage_lang_applied"  # the language the page's last full run resolved
COOKIE_DAYS = 365


def _context(kind: str) -> dict:
    """st.context's cookies or headers, or nothing when there is no browser connection (AppTest)."""
    try:
        found = getattr(st.context, kind)
        return dict(found) if found is not None else {}
    except Exception:  # no browser connection
        return {}


def resolve() -> str:
    """The language of this run, by the order above; remembers a `?lang=` in the session."""
    asked = i18n.normalize(st.query_params.get("lang"))
    if asked:
        st.session_state[LANG_KEY] = asked
        return asked
    remembered = i18n.normalize(st.session_state.get(LANG_KEY)) or i18n.normalize(_context("cookies").get(COOKIE))
    if remembered:
        st.session_state[LANG_KEY] = remembered
        return remembered
    headers = _context("headers")
    browser = i18n.preferred(headers.get("Accept-Language") or headers.get("accept-language"))
    return browser or i18n.SOURCE_LANGUAGE


def apply() -> str:
    """Set this run's language (call before anything is drawn or any navigation title is made)."""
    code = i18n.set_language(resolve())
    st.session_state[APPLIED_KEY] = code  # a fragment's rerun takes it from here (reading st.context costs ms)
    return code


def with_language(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, setting the reader's language first. Why: Streamlit runs each rerun in a thread of its own, and
    a fragment's rerun does not run the page (where `apply` is called), so it would speak the source
    language."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        applied = st.session_state.get(APPLIED_KEY)
        if applied:
            i18n.set_language(applied)  # what the page's last full run resolved
        else:
            apply()
        return func(*args, **kwargs)

    return run


def _picked() -> None:
    code = i18n.normalize(st.session_state.get(PICKER_KEY))
    if code is None:  # the compact control's current option clicked again (deselected): keep the language
        return
    st.session_state[LANG_KEY] = code
    st.query_params["lang"] = code


def picker(where: object | None = None, compact: bool = False) -> None:
    """The language picker (labelled for screen readers); choosing sets `?lang=` and remembers the choice.

    `compact`: a small control for bare pages and anonymous visitors (the label is hidden but kept for
    assistive technology). Language names are written in their own language, never translated.
    """
    where = where if where is not None else st
    st.session_state[PICKER_KEY] = i18n.language()
    options = list(i18n.LANGUAGES)
    if compact:
        where.segmented_control(_("Language"), options, key=PICKER_KEY, format_func=i18n.LANGUAGE_NAMES.get,
                                on_change=_picked, label_visibility="collapsed")
    else:
        where.selectbox(_("Language"), options, key=PICKER_KEY, format_func=i18n.LANGUAGE_NAMES.get,
                        on_change=_picked)


def remember_in_browser() -> None:
    """Keep the choice in a cookie and set the document's language (`<html lang>`, for screen readers and
    axe's html-lang rules); drawn only when either is out of date. Static script, server-made values only."""
    code = i18n.language()
    chosen = st.session_state.get(LANG_KEY)
    cookie_stale = chosen is not None and chosen not in (_context("cookies").get(COOKIE),
                                                         st.session_state.get(COOKIE_SET_KEY))
    html_stale = st.session_state.get(HTML_LANG_KEY, i18n.SOURCE_LANGUAGE) != code
    if not (cookie_stale or html_stale):
        return
    statements = [browser_script.html_lang_js(code)]
    if cookie_stale:
        st.session_state[COOKIE_SET_KEY] = chosen
        statements.append(browser_script.cookie_js(COOKIE, chosen, COOKIE_DAYS))
    browser_script.run(*statements)
    st.session_state[HTML_LANG_KEY] = code
