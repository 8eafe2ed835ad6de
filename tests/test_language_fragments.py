"""The live pages' fragments speak the reader's language when they rerun alone."""

from __future__ import annotations


def test_a_fragment_rerun_speaks_the_reader_s_language(monkeypatch) -> None:
    """A fragment's rerun runs in a fresh thread, without the page that sets the language: the live pages'
    fragments set it themselves (ui/language.with_language)."""
    import threading

    from leverage.core import i18n
    from ui import language

    monkeypatch.setattr(language, "resolve", lambda: "es")  # no full run has stored a language: resolved
    seen: list[str] = []
    body = language.with_language(lambda: seen.append(i18n.language()))
    bare = threading.Thread(target=lambda: seen.append(i18n.language()))  # what a fragment rerun saw before
    bare.start()
    bare.join()
    wrapped = threading.Thread(target=body)
    wrapped.start()
    wrapped.join()
    assert seen == ["en", "es"]
