"""The browser scripts the server sends: cookie statements quoted as JSON, and <html lang>."""

from ui.browser_script import cookie_js, html_lang_js


def test_a_cookie_is_stored_for_its_days_lax_and_secure_on_https():
    assert cookie_js("leverage_lang", "es", 365) == (
        'document.cookie = "leverage_lang=es; Path=/; Max-Age=31536000; SameSite=Lax"'
        " + (location.protocol === 'https:' ? '; Secure' : '');")


def test_a_dropped_cookie_expires_at_once():
    dropped = 'document.cookie = "leverage_session=; Path=/; Max-Age=0; SameSite=Lax";'
    assert cookie_js("leverage_session", None, 0) == dropped


def test_values_are_quoted_as_json_so_they_cannot_end_the_string():
    assert cookie_js("c", 'a"b', 1).startswith('document.cookie = "c=a\\"b; Path=/; Max-Age=86400;')
    assert html_lang_js("es") == 'document.documentElement.lang = "es";'
