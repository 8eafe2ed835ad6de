"""AppTest: on the Aims page the rule set follows the chart (IHI on a run chart, MDC on the others), and an
aim saved with MDC on a run chart reads with IHI and says so."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.core.schema import aims
from leverage.survey.store import Store
from tests.pages.conftest import add_organization, no_errors


def _rule_box(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Rule set")


def test_a_new_aim_s_rule_set_follows_its_chart(app: AppTest, db_url: str) -> None:
    oid = add_organization(db_url, "Chart Trust")
    app.session_state["organization_id"] = oid
    at = app.switch_page("pages/aims.py").run()
    no_errors(at)
    chart = at.selectbox(key="aim_chart_-1")
    assert chart.value == "xmr"
    assert _rule_box(at).options == ["NHS Making Data Count", "IHI (Health Care Data Guide)", "Anhøj"]
    assert _rule_box(at).value == "mdc"
    chart.set_value("run").run()
    no_errors(at)
    assert (_rule_box(at).options, _rule_box(at).value) == (["IHI (Health Care Data Guide)", "Anhøj"], "ihi")
    at.text_input[0].set_value("Shorter waits")
    next(b for b in at.button if b.label == "Create aim").click().run()
    no_errors(at)
    store = Store(db_url)
    try:
        (aim,) = AimStore(store).list_aims(oid)
        assert (aim.chart, aim.rule_set) == ("run", "ihi")
    finally:
        store.dispose()


def test_an_aim_saved_with_mdc_on_a_run_chart_reads_with_ihi(app: AppTest, db_url: str) -> None:
    oid = add_organization(db_url, "Old Rules Trust")
    store = Store(db_url)
    try:
        reg = AimStore(store)
        aim_id = reg.save_aim(Aim(organization_id=oid, title="Shorter waits", measure="Days to third next available "
                                  "appointment", direction="down", chart="run"))
        reg.save_measurements(reg.get_aim(aim_id), pd.DataFrame({
            "period": pd.date_range("2025-01-01", periods=12, freq="MS"), "value": [9, 8, 9, 7, 8, 6] * 2}))
        with store.write() as conn:
            conn.execute(sa.update(aims).where(aims.c.id == aim_id).values(rule_set="mdc"))
    finally:
        store.dispose()
    app.session_state["organization_id"] = oid
    at = app.switch_page("pages/aims.py").run()
    no_errors(at)
    assert any("Saved with the NHS Making Data Count rule set" in c.value for c in at.caption)
    assert (_rule_box(at).options, _rule_box(at).value) == (["IHI (Health Care Data Guide)", "Anhøj"], "ihi")
