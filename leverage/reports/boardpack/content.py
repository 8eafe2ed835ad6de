"""What a board pack says, gathered once from the store: the same readings the Board page shows.

`gather` is the only place the pack's content is computed; the PDF and the slide deck only lay it out.
The aims are read with `analyse_aim` and `vital_few` (the Board page's own functions) at the pack's
data cut-off, so the icons and projections in the paper cannot disagree with the app's on that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from leverage.aims.repository import AimStore
from leverage.aims.spc import RULE_SET_NAMES
from leverage.aims.view import AimView, analyse_register, vital_few
from leverage.core.about import CITATION, __version__
from leverage.core.columns import NOT_STATED
from leverage.core.database import StoreError
from leverage.core.i18n import _, use_language
from leverage.core.i18n import language as current_language
from leverage.core.localized import when
from leverage.core.settings import Settings
from leverage.survey import release
from leverage.survey.charts import heat_table
from leverage.survey.instrument import Instrument, default_instrument, get_instrument
from leverage.survey.rounds import default_round, mark_workshops, round_label
from leverage.survey.scoring import OVERALL
from leverage.survey.store import Store
from leverage.workshops.service import Workshops

WORKSHOP_PERIOD_DAYS = 92  # "in the period": the quarter before the cut-off, unless a start is given


class BoardPackError(StoreError):
    """The pack cannot be made as asked (an unknown organization, a cut-off before the period...)."""


@dataclass(frozen=True)
class AssessmentSummary:
    """The latest self-assessment round on or before the cut-off, threshold applied."""

    round_name: str
    opens_on: dt.date | None
    respondents: int
    min_n: int
    points: pd.DataFrame  # leverage_point, title, n_respondents, mean, ci_low, ci_high, status
    by_role: pd.DataFrame  # role (label), n, LP1..LP7, Overall as text: `heat_table`, as on the Results page
    focus: pd.DataFrame  # measure, respondents (empty when none were chosen or the round is withheld)
    workshop: bool = False  # the round was created by a live workshop (labelled as such)

    @property
    def withheld(self) -> bool:
        return self.respondents < self.min_n


@dataclass(frozen=True)
class WorkshopSummary:
    title: str
    code: str
    held_on: dt.date
    status: str
    votes: int
    participants: int
    scores: pd.DataFrame  # the latest vote: leverage_point, title, n_respondents, mean, status
    shift: pd.DataFrame | None  # vote 1 → 2 per point, when there was a second vote


@dataclass(frozen=True)
class BoardPack:
    organization: str
    meeting_date: dt.date
    cut_off: dt.date
    period_start: dt.date
    views: list[AimView]
    summary: pd.DataFrame  # `vital_few` at the cut-off
    assessment: AssessmentSummary | None
    workshops: list[WorkshopSummary]
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: str = __version__
    citation: str = CITATION
    language: str = "en"  # the language the pack was gathered in, and is written in by default

    @property
    def rule_sets(self) -> list[str]:
        """Names of the SPC rule sets the aims are read with, each once, in order of first use."""
        names = [RULE_SET_NAMES[v.aim.rule_set] for v in self.views]
        return list(dict.fromkeys(names)) or [RULE_SET_NAMES["mdc"]]

    def footer(self, view: AimView | None = None) -> str:
        """The line every page carries: what the page was computed from."""
        rules = RULE_SET_NAMES[view.aim.rule_set] if view is not None else "; ".join(self.rule_sets)
        return _("Rule set: {rules} · Data cut-off: {date} · Leverage {version} · {citation}").format(
            rules=rules, date=when(self.cut_off), version=self.version, citation=self.citation)


def find_organization(store: Store, name: str) -> tuple[int, str]:
    """(id, name) of the organization called `name` (case and surrounding spaces ignored)."""
    orgs = store.list_organizations()
    wanted = name.strip().casefold()
    match = orgs[orgs["name"].str.casefold() == wanted]
    if match.empty:
        known = ", ".join(orgs["name"].tolist()) or _("none yet")
        raise BoardPackError(_("There is no organization called {name}. Organizations in the store: {known}.").format(
            name=repr(name), known=known))
    return int(match["id"].iloc[0]), str(match["name"].iloc[0])


def _point_titles(instrument: Instrument) -> dict[str, str]:
    titles = {p.id: instrument.text(p.title, current_language()) for p in instrument.points}
    titles[OVERALL] = _("Overall")
    return titles


def pack_rounds(store: Store, org_id: int, as_of: dt.date) -> pd.DataFrame:
    """The rounds a pack at cut-off `as_of` can show: with responses, opened on or before the cut-off, oldest
    first, with `workshop` (True for a round a workshop created)."""
    rounds = mark_workshops(store.list_rounds(org_id), store.workshop_round_ids(org_id))
    rounds = rounds[rounds["respondents"] > 0]
    opened = pd.to_datetime(rounds["opens_on"])
    return rounds[opened.isna() | (opened <= pd.Timestamp(as_of))].reset_index(drop=True)


def assessment_summary(store: Store, org_id: int, as_of: dt.date, settings: Settings,
                       round_name: str | None = None) -> AssessmentSummary | None:
    """The chosen round (by default the latest survey round with responses that opened on or before the
    cut-off; a workshop round only when there is no survey round); None when there is none."""
    rounds = pack_rounds(store, org_id, as_of)
    if round_name is not None:
        chosen = rounds[rounds["name"] == round_name]
        if chosen.empty:
            known = ", ".join(round_label(n, w) for n, w in zip(rounds["name"], rounds["workshop"], strict=True))
            raise BoardPackError(_("There is no round called {round} with responses that opened by the cut-off, "
                                   "{date}. Rounds: {known}.").format(round=repr(round_name), date=as_of,
                                                                      known=known or _("none")))
        rnd = chosen.iloc[-1]
    else:
        rnd = default_round(rounds)
        if rnd is None:
            return None
    try:
        instrument = get_instrument(rnd["instrument_id"], rnd["instrument_version"])
    except Exception:  # an instrument file no longer installed: titles fall back to the default's
        instrument = default_instrument()
    answers = store.responses(org_id, [int(rnd["id"])])
    min_n = settings.min_n
    rel = release.decide_answers(answers, min_n, str(org_id), str(rnd["id"]))  # the Results page's decision
    points = release.point_table(answers, (), rel)
    points["title"] = points["leverage_point"].map(_point_titles(instrument)).fillna(points["leverage_point"])
    respondents = int(points.loc[points["leverage_point"] == OVERALL, "n_respondents"].max())
    by_role = release.point_table(answers, ("role",), rel)
    by_role = by_role.assign(role=by_role["role"].fillna(NOT_STATED))
    withheld = respondents < min_n
    focus = pd.DataFrame(columns=["measure", "respondents"]) if withheld else \
        store.focus_measure_counts(int(rnd["id"]))
    opens = rnd["opens_on"]
    return AssessmentSummary(
        round_name=str(rnd["name"]), opens_on=pd.Timestamp(opens).date() if pd.notna(opens) else None,
        workshop=bool(rnd["workshop"]),
        respondents=respondents, min_n=min_n,
        points=points[["leverage_point", "title", "n_respondents", "mean", "ci_low", "ci_high", "status"]],
        by_role=heat_table(by_role, "role", settings.role_labels).rename_axis("role").reset_index(),
        focus=focus.reset_index(drop=True))


def workshop_summaries(store: Store, org_id: int, start: dt.date, end: dt.date) -> list[WorkshopSummary]:
    """Every workshop of the organization held in [start, end], oldest first, each workshop's threshold applied."""
    service = Workshops(store)
    listed = service.list_workshops(org_id)
    if listed.empty:
        return []
    held = pd.to_datetime(listed["created_at"], utc=True).dt.date
    listed = listed[(held >= start) & (held <= end)].assign(held_on=held).sort_values("id")
    titles = _point_titles(service.instrument)
    out = []
    for ws in listed.itertuples(index=False):
        scores, _levels = service.results(int(ws.id), int(ws.vote))
        scores = scores.assign(title=scores["leverage_point"].map(titles).fillna(scores["leverage_point"]))
        answers = service.answers(int(ws.id))
        shift = service.shift(int(ws.id)) if int(ws.vote) > 1 else None
        out.append(WorkshopSummary(
            title=str(ws.title), code=str(ws.code), held_on=ws.held_on, status=str(ws.status), votes=int(ws.vote),
            participants=int(answers["respondent_id"].nunique()) if not answers.empty else 0,
            scores=scores[["leverage_point", "title", "n_respondents", "mean", "status"]], shift=shift))
    return out


def gather(store: Store, settings: Settings, organization: str, as_of: dt.date | None = None,
           meeting_date: dt.date | None = None, period_start: dt.date | None = None,
           round_name: str | None = None, language: str | None = None) -> BoardPack:
    """Everything the board pack of `organization` shows, with data known at `as_of` (default today).

    `round_name` chooses the self-assessment round (default: the latest survey round; see `assessment_summary`).
    `language` (default the current one) is the language of the texts gathered here (titles of the leverage
    points, projection reasons, questions to ask) and the one `render_pack` writes the pack in.
    """
    with use_language(language or current_language()) as chosen:
        return _gather(store, settings, organization, as_of, meeting_date, period_start, round_name, chosen)


def _gather(store: Store, settings: Settings, organization: str, as_of: dt.date | None,
            meeting_date: dt.date | None, period_start: dt.date | None, round_name: str | None,
            chosen: str) -> BoardPack:
    as_of = as_of or dt.date.today()
    period_start = period_start or as_of - dt.timedelta(days=WORKSHOP_PERIOD_DAYS)
    if period_start > as_of:
        raise BoardPackError(_("The period starts ({start}) after the data cut-off ({cut_off}).").format(
            start=period_start, cut_off=as_of))
    org_id, name = find_organization(store, organization)
    views = analyse_register(AimStore(store), org_id, as_of)
    return BoardPack(
        organization=name, meeting_date=meeting_date or as_of, cut_off=as_of, period_start=period_start,
        views=views, summary=vital_few(views, as_of),
        assessment=assessment_summary(store, org_id, as_of, settings, round_name),
        workshops=workshop_summaries(store, org_id, period_start, as_of), language=chosen)
