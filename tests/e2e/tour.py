"""One walk through every page, at three widths, as three kinds of user, on one server: what the accessibility,
offline-assets and chart-legend tests check is all recorded on that one walk, so each page is loaded once per
width and role however many checks read it.

Per page view the walk records: axe-core's violations (critical and serious), every request the page made,
and the bounding boxes of each Plotly chart's legend and plot area. Roles: an admin (installation admin and
admin of every organization), a viewer of one organization (both with a session cookie, as after signing in),
and an anonymous participant on the join page of a live workshop (the code form, then the point's form).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from leverage.access.permissions import Role
from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.accounts import COOKIE, make_user
from tests.e2e.conftest import with_demo
from tests.e2e.servers import ROOT, App
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle

AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1440, 1024, 390)
HEIGHT = 900
ORGANIZATION = "Riverside Health System"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Impacts that fail the accessibility test (axe's minor and moderate findings are reported, not failed).
FAILING = ("critical", "serious")

ADMIN_PAGES = ("", "self_assessment", "results", "compare", "board", "aims", "invitations", "manage_data",
               "access", "workshop", "projector", "signin", "join")
VIEWER_PAGES = ("", "results", "compare", "board", "signin")

# The plot area of a cartesian Plotly chart: the background rect of its first subplot (always drawn), or its
# drag rect; the legend's own group. Both in page coordinates.
_CHART_BOXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map((plot, i) => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const area = plot.querySelector('.bglayer rect.bg') || plot.querySelector('.draglayer .nsewdrag');
  return {index: i, legend: box(plot.querySelector('g.legend')), plot: box(area),
          title: (plot.querySelector('.gtitle') || {}).textContent || ''};
})"""


@dataclass
class View:
    """What one page view showed: `violations` are (rule id, impact, count of nodes) of critical and serious
    findings; `requests` every URL the page asked for; `charts` the legend and plot boxes per chart."""

    role: str
    width: int
    page: str
    violations: list[tuple[str, str, int]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # per failing node: rule, target, what axe says is wrong

    @property
    def name(self) -> str:
        return f"{self.role} {self.width}px /{self.page}"


def axe_installed() -> bool:
    """axe-core is in tests/node (scripts/test installs it with npm)."""
    return AXE.exists()


def non_loopback(urls: list[str]) -> list[str]:
    """The URLs whose host is not this machine (data: and blob: URLs stay in the page)."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome-extension"):
            continue
        if (parts.hostname or "") not in LOOPBACK:
            out.append(url)
    return out


def live_workshop(server: App) -> dict:
    """A running workshop of the demo organization with its first point open (the phone then shows a form)."""
    store = Store(server.database_url)
    try:
        orgs = store.list_organizations()
        org = int(orgs.loc[orgs["name"] == ORGANIZATION, "id"].iloc[0])
        service = Workshops(store, min_n_floor=3)
        made = service.create(org, "Accessibility walk", ["LP1"], round_name="A11y workshop", min_n=3)
        service.open_point(made["id"], "LP1")
        return made
    finally:
        store.dispose()


#: Charts each page draws at least (Plotly's code loads lazily, after the script run has ended).
CHARTS = {"home": 1, "results": 2, "compare": 1, "board": 0, "self_assessment": 0}


def settle(page: Page, charts: int = 0) -> None:
    """The script has finished (twice over: the frame may rerun once) and Plotly has drawn at least `charts`
    charts and every chart on the page."""
    wait_idle(page)
    page.wait_for_timeout(500)
    wait_idle(page)
    page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n", arg=charts,
                           timeout=2 * TIMEOUT)
    drawn = page.locator("[data-testid='stPlotlyChart']")
    for i in range(drawn.count()):
        expect(drawn.nth(i).locator(".main-svg").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_timeout(300)  # Plotly's relayout after the container's final width


def record(page: Page, requests: list[str], role: str, width: int, path: str) -> View:
    view = View(role, width, path)
    settle(page, CHARTS.get(path, 0))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => [v.id, v.impact, v.nodes.length,
        v.nodes.slice(0, 6).map(n => v.id + ' ' + n.target.join(' ') + ': ' + (n.failureSummary || '')
                                     + ' | ' + n.html.slice(0, 160))]);
    }""")
    view.violations = [(rule, impact, n) for rule, impact, n, _nodes in result if impact in FAILING]
    view.details = [d for _rule, impact, _n, nodes in result if impact in FAILING for d in nodes]
    view.charts = page.evaluate(_CHART_BOXES)
    view.requests = list(requests)
    return view


def _visit(page: Page, requests: list[str], url: str) -> None:
    requests.clear()
    page.goto(url, wait_until="domcontentloaded")


def warm_up(browser: Browser, server: App) -> None:
    """One load of the home page first: a fresh server's first run imports and caches for many seconds, more
    than one page view of the walk waits."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="domcontentloaded")
        expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning",
                                                                       timeout=90_000)
    finally:
        context.close()


def walk(browser: Browser, server: App) -> Iterator[View]:
    """Every page view of the walk, in order."""
    with_demo(server)
    made = live_workshop(server)
    warm_up(browser, server)
    _, admin = make_user(server.database_url, "admin@a11y.example", installation_admin=True, every_org=(Role.ADMIN,))
    _, viewer = make_user(server.database_url, "viewer@a11y.example", roles={ORGANIZATION: (Role.VIEWER,)})
    for role, cookie, pages in (("admin", admin, ADMIN_PAGES), ("viewer", viewer, VIEWER_PAGES),
                                ("participant", None, ())):
        for width in WIDTHS:
            phone = width < 600
            context = browser.new_context(viewport={"width": width, "height": HEIGHT if not phone else 844},
                                          is_mobile=phone, has_touch=phone)
            if cookie:
                context.add_cookies([{"name": COOKIE, "value": cookie, "url": server.url}])
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda request, seen=requests: seen.append(request.url))
            try:
                for path in pages:
                    query = f"?ws={made['id']}" if path == "projector" else ""
                    _visit(page, requests, f"{server.url}/{path}{query}")
                    yield record(page, requests, role, width, path or "home")
                if role == "participant":
                    _visit(page, requests, f"{server.url}/join")
                    yield record(page, requests, role, width, "join (code form)")
                    _visit(page, requests, f"{server.url}/join?code={made['code']}")
                    settle(page)
                    page.get_by_role("button", name="Join", exact=True).click()
                    expect(page.locator("[data-testid='stForm'] [data-testid='stRadio']").first).to_be_visible(
                        timeout=TIMEOUT)
                    yield record(page, requests, role, width, "join (point form)")
            finally:
                context.close()


def table(views: list[View]) -> str:
    """A markdown table of the critical and serious axe rules each page view breaks (and, in brackets, the
    elements that break them), per page × width × role."""
    cells: dict[tuple[str, str], dict[int, str]] = {}
    for v in views:
        cells.setdefault((v.role, v.page), {})[v.width] = (f"{len(v.violations)} "
                                                           f"({sum(n for _rule, _impact, n in v.violations)})")
    lines = ["| role | page | " + " | ".join(f"{w} px" for w in WIDTHS) + " |",
             "|---|---|" + "---|" * len(WIDTHS)]
    for (role, page), by_width in cells.items():
        lines.append(f"| {role} | {page} | " + " | ".join(str(by_width.get(w, "")) for w in WIDTHS) + " |")
    return "\n".join(lines)


def dump(views: list[View], path: Path) -> None:
    """The walk as JSON (for docs/accessibility.md and for reading a failure)."""
    path.write_text(json.dumps([v.__dict__ for v in views], indent=1))


def overlap(a: dict, b: dict) -> float:
    """The area (px²) two boxes {x, y, width, height} share; 0 when they only touch or are apart."""
    width = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(0.0, width) * max(0.0, height)
