"""Rounds in date order, and workshop rounds labelled and never chosen over a survey round by default."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from leverage.cli.main import main
from leverage.core.settings import DEFAULT_ROLES, load_settings
from leverage.reports.boardpack.content import BoardPackError, gather
from leverage.reports.boardpack.layout import assessment_pages
from leverage.survey.rounds import date_in_name, default_round, mark_workshops, round_label, round_order
from leverage.survey.store import Store
from leverage.workshops.service import Workshops

D = dt.date
ROLES = [k for k, _ in DEFAULT_ROLES]


# --- ordering -----------------------------------------------------------------------------------------------
def test_the_demo_rounds_alphabetically_were_out_of_order():
    names = ["2025 Autumn", "2026 Autumn", "2026 Spring"]  # sorted() gives this
    assert round_order(names) == ["2025 Autumn", "2026 Spring", "2026 Autumn"]


@pytest.mark.parametrize(("name", "date"), [
    ("2026 Spring", D(2026, 4, 1)), ("Autumn 2025", D(2025, 10, 1)), ("Fall 2025", D(2025, 10, 1)),
    ("Q3 2025", D(2025, 7, 1)), ("2025-Q4", D(2025, 10, 1)), ("H2 2024", D(2024, 7, 1)),
    ("2025-10", D(2025, 10, 1)), ("2025/03/15", D(2025, 3, 1)), ("March 2026", D(2026, 3, 1)),
    ("Board survey Sept 2024", D(2024, 9, 1)), ("2024", D(2024, 1, 1)), ("Round 2", None), ("Baseline", None)])
def test_dates_read_from_round_names(name, date):
    assert date_in_name(name) == date


def test_known_dates_come_first_then_names_with_dates_then_numbers():
    dates = {"Baseline": "2024-01-15", "Follow-up": "2024-09-01"}  # the store's opening dates
    names = ["Round 10", "Follow-up", "Round 2", "2024 Summer", "Baseline", "Round 1", None, "Follow-up"]
    assert round_order(names, dates) == ["Baseline", "2024 Summer", "Follow-up", "Round 1", "Round 2", "Round 10"]


def test_an_opening_date_beats_the_name():
    # "2026 Spring" opened in January: the store's date decides, not the season in the name
    assert round_order(["2026 Spring", "2026 Winter"], {"2026 Spring": D(2026, 1, 5),
                                                         "2026 Winter": D(2026, 2, 1)}) == ["2026 Spring",
                                                                                            "2026 Winter"]


# --- the default round ---------------------------------------------------------------------------------------
def _rounds(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "name", "opens_on", "respondents", "workshop"])


def test_the_default_round_is_the_latest_survey_round():
    rounds = _rounds((1, "Spring", D(2026, 4, 1), 40, False), (2, "Autumn", D(2026, 10, 1), 35, False),
                     (3, "Away day", D(2026, 11, 20), 6, True), (4, "Winter", D(2026, 12, 1), 0, False))
    assert default_round(rounds)["name"] == "Autumn"  # not the newer workshop round, not the empty one
    only_workshops = _rounds((3, "Away day", D(2026, 11, 20), 6, True))
    assert default_round(only_workshops)["name"] == "Away day"
    assert default_round(_rounds((4, "Winter", D(2026, 12, 1), 0, False))) is None
    assert default_round(rounds.drop(columns="workshop"))["name"] == "Away day"  # unmarked: the latest
    assert round_label("Away day", True) == "Away day (workshop)" and round_label("Autumn", False) == "Autumn"


# --- which rounds came from a workshop: saved_round_id -----------------------------------------------------------
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def run_workshop(store: Store, org: int, round_name: str | None = "Board away day", round_id: int | None = None,
                 people: int = 5) -> int:
    """A workshop of `people` answering LP1, ended; returns the id of the round it saved into."""
    w = Workshops(store)
    made = w.create(org, title="Away day", points=["LP1"], round_name=round_name, round_id=round_id, min_n=5,
                    now=NOW)
    w.open_point(made["id"], "LP1")
    items = [i.id for i in w.instrument.items_for("LP1")]
    for k in range(people):
        participant = w.join(made["code"], f"client-{k}", role="board", roles=ROLES, now=NOW)
        w.submit(participant, "LP1", {i: 1 + (k % 5) for i in items}, now=NOW)
    w.end(made["id"], ROLES, now=NOW)
    return int(w.get(made["id"])["saved_round_id"])


def test_workshop_round_ids_are_the_rounds_a_workshop_created(store):
    org = store.add_organization("Harbour Hospital")
    survey = store.add_round(org, "Spring", opens_on=D(2026, 4, 1))
    made = run_workshop(store, org)
    into_survey = run_workshop(store, org, round_name=None, round_id=survey)
    assert into_survey == survey
    assert store.workshop_round_ids(org) == {made}  # saving into an existing round does not make it a workshop's
    assert store.workshop_round_ids() == {made}
    marked = mark_workshops(store.list_rounds(org), store.workshop_round_ids(org))
    assert marked.set_index("name")["workshop"].to_dict() == {"Spring": False, "Board away day": True}
    calendar = store.round_dates()
    assert calendar[["organization", "round", "workshop"]].values.tolist() == [
        ["Harbour Hospital", "Spring", False], ["Harbour Hospital", "Board away day", True]]


# --- the board pack takes a round ---------------------------------------------------------------------------------
@pytest.fixture
def harbour(tmp_path):
    """A survey round (6 people, April) and a newer workshop round (5 people, November)."""
    store = Store(f"sqlite:///{tmp_path / 'rounds.db'}")
    org = store.add_organization("Harbour Hospital")
    w = Workshops(store)
    items = [i.id for i in w.instrument.items_for("LP1")]
    rows = [("Harbour Hospital", None, "executive", "2026 Spring", f"r{k}", item, "LP1", 2 + k % 3)
            for k in range(6) for item in items]
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int64")
    store.import_responses(frame, round_dates={("Harbour Hospital", "2026 Spring"): (D(2026, 4, 1), None,
                                                                                      w.instrument.id,
                                                                                      w.instrument.version)})
    run_workshop(store, org)
    yield store
    store.dispose()


def test_the_pack_shows_the_latest_survey_round_by_default(harbour):
    pack = gather(harbour, load_settings({}), "Harbour Hospital", as_of=D(2026, 12, 1))
    assert pack.assessment.round_name == "2026 Spring" and not pack.assessment.workshop
    intro = assessment_pages(pack)[0].blocks[0].text
    assert intro.startswith("Round 2026 Spring")


def test_the_pack_takes_a_workshop_round_when_asked_and_labels_it(harbour):
    pack = gather(harbour, load_settings({}), "Harbour Hospital", as_of=D(2026, 12, 1), round_name="Board away day")
    assert pack.assessment.round_name == "Board away day" and pack.assessment.workshop
    assert assessment_pages(pack)[0].blocks[0].text.startswith("Workshop round Board away day")


def test_the_pack_refuses_a_round_it_cannot_show(harbour):
    with pytest.raises(BoardPackError, match="no round called 'Nope'.*2026 Spring, Board away day \\(workshop\\)"):
        gather(harbour, load_settings({}), "Harbour Hospital", as_of=D(2026, 12, 1), round_name="Nope")
    with pytest.raises(BoardPackError, match="opened by the cut-off, 2026-06-30"):  # the workshop came later
        gather(harbour, load_settings({}), "Harbour Hospital", as_of=D(2026, 6, 30), round_name="Board away day")


def test_boardpack_command_round_option(harbour, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", harbour.url)
    monkeypatch.setenv("LEVERAGE_LOAD_DEMO", "never")
    out = tmp_path / "pack.pdf"
    code = main(["boardpack", "--organization", "Harbour Hospital", "--as-of", "2026-12-01", "--round", "Nope",
                 "--no-charts", "--out", str(out)])
    assert code == 2 and "no round called 'Nope'" in capsys.readouterr().err and not out.exists()
    code = main(["boardpack", "--organization", "Harbour Hospital", "--as-of", "2026-12-01", "--round",
                 "Board away day", "--no-charts", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.stat().st_size > 1000
