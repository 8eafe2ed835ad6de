"""Self-assessment by invitation: open the link, answer one leverage point at a time, submit once (the same link
reopens the answers for changes until the round closes), then see your profile and plan."""


import pandas as pd
import streamlit as st

from leverage.access.invitations import InvitationRefused, Invited
from leverage.access.permissions import Permission
from leverage.core.database import StoreError
from leverage.core.i18n import _, format_number, language
from leverage.survey import assessment
from leverage.survey.assessment import DONT_KNOW, Draft
from leverage.survey.charts import point_scores_chart
from leverage.survey.instrument import get_instrument
from leverage.survey.measures import WHOLE_SYSTEM_MEASURES
from leverage.survey.scoring import OVERALL
from ui import aim_widgets, auth, chart_widget, frame, state, widgets

frame.require()

DRAFT = "sa_draft"
TOKEN = "sa_invitation"  # the invitation the draft belongs to
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português", "de": "Deutsch"}

widgets.header(_("Self-assessment"),
               _("Rate how far your organization has come on each leverage point. Your answers are anonymous; "
                 "groups smaller than the threshold are never shown."))

settings = state.settings()
store = state.store()
access = auth.access()
token = st.query_params.get("invitation")


def no_invitation() -> None:
    st.info(_("The self-assessment is answered through an invitation: open the link from your invitation, or scan "
              "its QR code. Each link is for one person and one response."), icon=":material/mail:")
    principal = auth.current()
    if principal.can_anywhere(Permission.MANAGE_INVITATIONS):
        st.page_link("pages/invitations.py", label=_("Create invitations for a round"),
                     icon=":material/forward_to_inbox:")
    elif not principal.signed_in and not principal.roles:
        st.page_link(auth.SIGNIN_PAGE, label=_("Sign in"), icon=":material/login:")
    st.stop()


if not token:
    no_invitation()
try:
    invited: Invited = access.invitations.open(token)
except InvitationRefused as exc:
    access.invitations.refused(token, str(exc), auth.address())
    st.error(widgets.esc(_(str(exc))))
    st.session_state.pop(DRAFT, None)
    st.stop()
if st.session_state.get(TOKEN) != token:  # another link in this browser: never carry a draft across
    st.session_state.pop(DRAFT, None)
    st.session_state[TOKEN] = token
draft: Draft | None = st.session_state.get(DRAFT)


def start_form() -> None:
    org_id, org_name = invited.organization_id, invited.organization
    rnd = state.store().get_round(invited.round_id)
    st.markdown(_("**{organization}**, round **{round}**").format(organization=widgets.esc(org_name),
                                                                   round=widgets.esc(invited.round_name)))
    languages = state.instrument_for(rnd).languages
    reader = language() if language() in languages else languages[0]  # statements in the page's language
    if invited.answered:
        st.success(_("You have answered this invitation. You may change your answers until the round closes."))
        if st.button(_("Change my answers"), type="primary"):
            mine = store.respondent_answers(invited.respondent_id)
            st.session_state[DRAFT] = Draft(
                organization_id=org_id, round_id=invited.round_id, role=invited.role or "", department_id=None,
                language=reader, instrument_key=(rnd["instrument_id"], rnd["instrument_version"]),
                answers={k: (DONT_KNOW if v is None else v) for k, v in mine.items()})
            st.rerun()
        return
    departments = state.cached(state.departments, org_id)
    role_labels = settings.role_labels
    dept_names = {None: _("Prefer not to say"), **dict(zip(departments["id"], departments["name"], strict=True))}
    fixed = invited.role is not None or invited.department_id is not None
    with st.form("sa_start"):
        if invited.role is not None:
            st.markdown(_("Your role: **{role}**").format(
                role=widgets.esc(_(role_labels.get(invited.role, invited.role)))))
            role = invited.role
        else:
            role = st.selectbox(_("Your role"), list(role_labels), index=None,
                                format_func=lambda r: _(role_labels[r]), placeholder=_("Choose your role"))
        if fixed:
            st.markdown(_("Your department: **{department}**").format(
                department=widgets.esc(dept_names.get(invited.department_id, _("not stated")))))
            department_id = invited.department_id
        else:
            department_id = st.selectbox(_("Your department"), list(dept_names), format_func=dept_names.get)
        statements = st.radio(_("Language of the statements"), languages, horizontal=True,
                              index=languages.index(reader), format_func=lambda code: LANGUAGE_NAMES.get(code, code))
        started = st.form_submit_button(_("Start the self-assessment"), type="primary")
    if started:
        if role is None:
            st.error(_("Choose your role: results are shown by role."))
            return
        st.session_state[DRAFT] = Draft(organization_id=org_id, round_id=invited.round_id, role=role,
                                        department_id=None if department_id is None else int(department_id),
                                        language=statements,
                                        instrument_key=(rnd["instrument_id"], rnd["instrument_version"]))
        st.rerun()


def point_step(draft: Draft) -> None:
    instrument = get_instrument(*draft.instrument_key)
    lang = draft.language
    point = instrument.points[draft.step]
    answered, total = assessment.progress(instrument, draft.answers)
    st.progress(draft.step / len(instrument.points),
                text=_("Leverage point {step} of {steps} · {answered} of {total} statements answered").format(
                    step=draft.step + 1, steps=len(instrument.points), answered=answered, total=total))
    st.subheader(point.id)
    st.markdown(f"**{instrument.text(point.title, lang)}**")
    st.caption(instrument.text(point.summary, lang))
    if draft.step == 0:  # leverage point 1 is about system-level aims: show what the register holds
        aim_widgets.register_evidence_block(draft.organization_id)
    options = [*instrument.level_values, DONT_KNOW]
    labels = {lv.value: f"{lv.value} {instrument.text(lv.label, lang)}" for lv in instrument.levels}
    labels[DONT_KNOW] = instrument.text(instrument.dont_know, lang)
    scale_help = "\n".join(f"- **{lv.value} {instrument.text(lv.label, lang)}**: "
                           f"{instrument.text(lv.description, lang)}" for lv in instrument.levels)
    with st.form(f"sa_point_{point.id}"):
        values = {}
        for item in instrument.items_for(point.id):
            saved = draft.answers.get(item.id)
            values[item.id] = st.radio(
                f"{item.id} {instrument.text(item.text, lang)}", options, format_func=labels.get, horizontal=True,
                index=options.index(saved) if saved in options else None, help=scale_help,
                key=f"sa_{draft.submission_id[:8]}_{item.id}")
        back_col, next_col = st.columns(2)
        # No Back on the first point: on a phone the columns stack and a dead button would sit above Next.
        back = draft.step > 0 and back_col.form_submit_button(_("← Back"), width="stretch")
        last = draft.step == len(instrument.points) - 1
        forward = next_col.form_submit_button(_("Review answers →") if last else _("Next →"), type="primary",
                                              width="stretch")
    if back or forward:
        draft.answers.update({k: v for k, v in values.items() if v is not None})
        missing = assessment.unanswered(instrument, point.id, draft.answers)
        if forward and missing:
            texts = {i.id: instrument.text(i.text, lang) for i in instrument.items}
            st.error(_("Please answer every statement, or choose “{dont_know}”. Still open:").format(
                dont_know=labels[DONT_KNOW]) + "\n" + "\n".join(f"- **{i}** {texts[i]}" for i in missing))
            return
        draft.step += 1 if forward else -1
        st.rerun()


def review_step(draft: Draft) -> None:
    instrument = get_instrument(*draft.instrument_key)
    st.progress(1.0, text=_("Review and submit"))
    st.subheader(_("Review your answers"))
    summary = assessment.answer_summary(instrument, draft.answers)
    st.dataframe(summary.rename(columns={"leverage_point": _("Leverage point"), "items": _("Statements"),
                                         "answered": _("Answered"), "dont_know": _("Don't know"),
                                         "open": _("Not answered")}), hide_index=True)
    incomplete = assessment.first_incomplete_point(instrument, draft.answers)
    if incomplete:
        st.warning(_("{point} still has statements without an answer. Go back to complete it.").format(
            point=incomplete))
    st.caption(_("One invitation, one response: you can change it with the same link until the round closes. After "
                 "submitting you will see your profile beside your organization's."))
    back_col, submit_col = st.columns(2)
    if back_col.button(_("← Back"), width="stretch"):
        draft.step -= 1
        st.rerun()
    if submit_col.button(_("Submit my answers"), type="primary", disabled=incomplete is not None,
                         width="stretch"):
        try:
            result = access.invitations.submit(token, assessment.to_submission(draft), list(settings.role_labels),
                                               address=auth.address())
        except StoreError as exc:
            st.error(_("Your answers were not saved: {error}").format(error=widgets.esc(exc)))
            return
        draft.respondent_id = result.respondent_id
        st.rerun()


def profile_step(draft: Draft) -> None:
    instrument = get_instrument(*draft.instrument_key)
    lang = draft.language
    st.success(_("Your answers are recorded. Thank you."))
    answers = store.respondent_answers(draft.respondent_id)
    mine = assessment.own_profile(instrument, answers)
    org_name = dict(state.cached(state.organizations).itertuples(index=False)).get(draft.organization_id, "")
    org = state.cached(state.round_scores, draft.organization_id, draft.round_id, (), settings.min_n)
    n_org = int(org.loc[org["leverage_point"] == OVERALL, "n_respondents"].iloc[0]) if not org.empty else 0
    both = pd.concat([mine["points"].assign(series=_("You")), org.assign(series=f"{org_name} (n = {n_org})")])

    st.subheader(_("Your profile"))
    profile = point_scores_chart(both, instrument, _("Your scores beside {organization}'s, this round (mean, 1–5; "
                                                     "organization n = {n})").format(organization=org_name, n=n_org),
                                 language=lang, series="series")
    chart_widget.show(profile, key="sa_profile_chart")
    widgets.chart_downloads(profile, "my-leverage-profile", "img_sa_profile")
    widgets.threshold_note(settings.min_n)

    def names(frame: pd.DataFrame) -> str:
        return ", ".join(f"{p} ({format_number(m, 1)})" for p, m in zip(frame["leverage_point"], frame["mean"],
                                                                         strict=True)) \
            or _("none: you rated the points alike")

    def items(frame: pd.DataFrame) -> str:
        texts = {i.id: instrument.text(i.text, lang) for i in instrument.items}
        return "\n".join(f"- {i}: {texts[i]} (**{m:.0f}**)" for i, m in zip(frame["item_id"], frame["mean"],
                                                                            strict=True)) or "- " + _("none")

    c1, c2 = st.columns(2)
    c1.markdown(_("**Your strongest points:** {points}").format(points=names(mine["strong_points"])))
    c1.markdown(_("Highest-rated statements:") + "\n" + items(mine["strong_items"]))
    c2.markdown(_("**Your biggest gaps:** {points}").format(points=names(mine["weak_points"])))
    c2.markdown(_("Lowest-rated statements:") + "\n" + items(mine["weak_items"]))

    st.subheader(_("Your plan"))
    st.caption(_("The leverage points serve one purpose: a large improvement in one or two system-level measures. "
                 "Choose them, then write what you will do on each leverage point."))
    measures, actions = store.get_plan(draft.respondent_id)
    known = [m for m in measures if m in WHOLE_SYSTEM_MEASURES]
    own = next((m for m in measures if m not in WHOLE_SYSTEM_MEASURES), "")
    with st.form("sa_plan"):
        chosen = st.multiselect(_("System-level measures to focus on (one or two)"), WHOLE_SYSTEM_MEASURES,
                                default=known, max_selections=2, format_func=_,
                                help=_("IHI Whole System Measures (Martin, Nelson, Lloyd, Nolan; IHI 2007)."))
        other = st.text_input(_("Or your organization's own measure"), value=own, max_chars=200)
        written = {}
        for point in instrument.points:
            written[point.id] = st.text_area(_("{point} {title}: planned action").format(
                point=point.id, title=instrument.text(point.title, lang)),
                                             value=actions.get(point.id, ""), max_chars=2000, height=80)
        saved = st.form_submit_button(_("Save my plan"), type="primary")
    if saved:
        try:
            store.save_plan(draft.respondent_id, [*chosen, other], written)
        except StoreError as exc:
            st.error(_("The plan was not saved: {error}").format(error=widgets.esc(exc)))
        else:
            st.success(_("Your plan is saved with your response."))

    st.divider()
    if auth.current().can(Permission.VIEW_RESULTS, draft.organization_id):
        st.page_link("pages/results.py", label=_("See your organization's results"), icon=":material/bar_chart:")


if draft is None:
    start_form()
elif draft.submitted:
    profile_step(draft)
elif draft.step >= assessment.review_step(get_instrument(*draft.instrument_key)):
    review_step(draft)
else:
    if st.button(_("Cancel this self-assessment"), type="tertiary", icon=":material/close:"):
        del st.session_state[DRAFT]
        st.rerun()
    point_step(draft)
