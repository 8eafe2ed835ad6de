"""Which rule set reads which chart: IHI by default on run charts, MDC on the others; MDC never on a run chart.

Making Data Count's rules are written for charts with process limits; a run chart read with them (seven and
seven around the median, no runs analysis) is a combination no reference defines. It is refused wherever it
can be asked for (the engine, the `spc` command, the register), and aims saved with it before are read with
the run chart's usual rules, saying so.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from leverage.aims.charts import chart_title
from leverage.aims.register import Aim, AimError, normalise, readable, validate
from leverage.aims.repository import AimStore
from leverage.aims.spc import SpcError, analyse, rule_parameters
from leverage.aims.spc_settings import DEFAULT_RULES, RULES_FOR_CHART, rules_problem
from leverage.aims.view import analyse_register
from leverage.cli.main import main
from leverage.core.schema import aims
from leverage.survey.store import Store


def monthly(values) -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range("2024-01-01", periods=len(values), freq="MS"), "value": values})


def test_every_chart_is_read_by_its_default_and_mdc_never_by_a_run_chart():
    for chart, rules in DEFAULT_RULES.items():
        assert rules in RULES_FOR_CHART[chart]
    assert RULES_FOR_CHART["run"] == ("ihi", "anhoej")
    for chart in ("xmr", "p", "u", "p_prime", "u_prime"):
        assert set(RULES_FOR_CHART[chart]) == {"mdc", "ihi", "anhoej"}


def test_the_engine_refuses_mdc_on_a_run_chart_with_a_clear_message():
    with pytest.raises(SpcError) as refused:
        analyse(monthly([5, 6, 5, 7, 6, 5]), chart="run", rules="mdc")
    message = str(refused.value)
    assert "Making Data Count" in message and "run chart" in message and "IHI (ihi)" in message
    with pytest.raises(SpcError):
        rule_parameters("mdc", "run")
    assert rules_problem("xmr", "mdc") is None and rules_problem("run", "anhoej") is None
    assert analyse(monthly([5, 6, 5, 7, 6, 5]), chart="run").summary["rule_set"] == "ihi"


def test_the_spc_command_refuses_mdc_on_a_run_chart(tmp_path, capsys):
    source = tmp_path / "s.csv"
    source.write_text("period,value\n2024-01-01,5\n2024-02-01,6\n2024-03-01,5\n", encoding="utf-8")
    out = tmp_path / "out.json"
    code = main(["spc", str(source), "--chart", "run", "--rules", "mdc", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--rules mdc: the NHS Making Data Count rule set has no rules for a run chart" in err
    assert "IHI (ihi) or Anhøj (anhoej)" in err
    assert not out.exists()


def _aim(**kwargs) -> Aim:
    base = dict(organization_id=1, title="Fewer falls", measure="Falls per 1,000 bed days", data_type="continuous",
                direction="down")
    return Aim(**{**base, **kwargs})


@pytest.mark.parametrize(("data_type", "chart", "rules"), [
    ("continuous", "run", "ihi"), ("continuous", "xmr", "mdc"), ("continuous", None, "mdc"),
    ("proportion", "p", "mdc"), ("rate", "u", "mdc"), ("rate", "run", "ihi")])
def test_a_new_aim_gets_its_chart_s_usual_rule_set(data_type, chart, rules):
    assert normalise(_aim(data_type=data_type, chart=chart)).rule_set == rules


def test_the_register_refuses_mdc_on_a_run_chart_naming_the_field():
    problems = validate(normalise(_aim(chart="run", rule_set="mdc")))
    assert [p for p in problems if p.startswith("rule set:")] == [
        "rule set: " + rules_problem("run", "mdc")]
    assert not [p for p in validate(normalise(_aim(chart="run", rule_set="anhoej"))) if "rule set" in p]


@pytest.fixture
def register(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'rules.db'}")
    yield store, AimStore(store)
    store.dispose()


def test_saving_mdc_on_a_run_chart_is_refused_and_nothing_is_written(register):
    store, reg = register
    org = store.add_organization("Rules Trust")
    with pytest.raises(AimError) as refused:
        reg.save_aim(_aim(organization_id=org, chart="run", rule_set="mdc"))
    assert any(p.startswith("rule set:") for p in refused.value.problems)
    assert reg.list_aims(org) == []


def test_an_aim_saved_with_mdc_on_a_run_chart_is_read_with_ihi_and_says_so(register):
    store, reg = register
    org = store.add_organization("Old Trust")
    aim_id = reg.save_aim(_aim(organization_id=org, chart="run", rule_set="ihi", target_value=4.0,
                               deadline=dt.date(2027, 1, 1)))
    with store.write() as conn:  # as an older version of the app saved it
        conn.execute(sa.update(aims).where(aims.c.id == aim_id).values(rule_set="mdc"))
    stored = reg.get_aim(aim_id)
    assert (stored.chart, stored.rule_set) == ("run", "mdc")
    reg.save_measurements(stored, monthly([9, 8, 9, 7, 8, 6, 7, 6, 5, 6, 5, 4]))
    (view,) = analyse_register(reg, org)
    assert view.aim.rule_set == "ihi" and view.summary["rule_set"] == "ihi"
    assert view.summary["notes"][0].startswith("Saved with the NHS Making Data Count rule set")
    assert "IHI (Health Care Data Guide)" in chart_title(view)
    aim, note = readable(stored)
    assert aim.rule_set == "ihi" and "Save the aim to keep this choice" in note
    assert readable(reg.get_aim(aim_id))[0] == aim  # reading never writes
    reg.save_aim(aim)  # saving the aim as it is read records IHI
    assert reg.get_aim(aim_id).rule_set == "ihi"
