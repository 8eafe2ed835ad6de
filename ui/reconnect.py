"""Reload a live page when its connection to the server comes back, so a phone whose worker died carries on.

Why: behind a balancer (scripts/serve), a browser whose worker dies reconnects to another worker, where its
Streamlit session does not exist. Streamlit's page then connects a new, empty session and does not rerun
the script: the page keeps showing what the dead worker drew, the new session ignores its fragment timers
(a waiting phone would never see the next point open; a projector would freeze), and the first tap's
`on_click` callback is not called, because the new session never drew that widget (the tap is lost).
Reloading the page once the connection is back starts a full run on the new worker; the live pages keep
everything in the database and the link (`?code=…&t=<token>`), so the phone is the same participant and
finds its answers. Measured with `benchmarks/hall_load.py`, tested in tests/e2e/test_serve_browser.py.

The watcher is our own static script in a zero-height component; it reads the app's connection state
from the page (`data-test-connection-state` of the app's root element, Streamlit 1.67) and reloads at
most once every 10 seconds.
"""

from __future__ import annotations

import streamlit.components.v1 as components

_WATCHER = """<script>
(() => {
  const doc = window.parent.document;
  const app = doc.querySelector('[data-testid="stApp"]');
  if (!app) return;
  let lost = false;
  new MutationObserver(() => {
    const state = app.getAttribute("data-test-connection-state");
    if (state && state !== "CONNECTED") { lost = true; return; }
    if (!lost || state !== "CONNECTED") return;
    const last = Number(window.parent.sessionStorage.getItem("leverageReloadAt") || 0);
    if (Date.now() - last < 10000) return;
    window.parent.sessionStorage.setItem("leverageReloadAt", String(Date.now()));
    window.parent.location.reload();
  }).observe(app, {attributes: true, attributeFilter: ["data-test-connection-state"]});
})();
</script>"""


def reload_when_reconnected() -> None:
    """Draw the (invisible) watcher; call it once per run on pages whose state lives in the database and link."""
    components.html(_WATCHER, height=0)
