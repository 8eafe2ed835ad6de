"""No request leaves the server: fonts, icons, the page icon and scripts all come from the app itself (issue 18).

Every request of every page view of `tests.e2e.tour` (every page, three widths, three roles) is recorded by the
browser; one whose host is not loopback fails the test.
"""

from __future__ import annotations

import pytest

from tests.e2e.tour import non_loopback

pytestmark = pytest.mark.browser


def test_non_loopback_is_told_apart():
    assert non_loopback(["http://127.0.0.1:8501/_stcore/health", "data:image/png;base64,AAAA",
                         "https://fonts.gstatic.com/s/materialsymbolsrounded/v1/x.woff2",
                         "http://localhost/x", "blob:http://127.0.0.1/1"]) == [
        "https://fonts.gstatic.com/s/materialsymbolsrounded/v1/x.woff2"]


def test_every_request_stays_on_the_server(tour):
    assert all(v.requests for v in tour), "a page view recorded no request at all"
    outside = {v.name: non_loopback(v.requests) for v in tour}
    outside = {name: urls for name, urls in outside.items() if urls}
    assert not outside, "requests that left the server:\n" + "\n".join(
        f"{name}: {', '.join(sorted(set(urls)))}" for name, urls in outside.items())
