"""Compare: departments of one organization, or organizations side by side, from the store and parquet sources."""

import hashlib

import pandas as pd
import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import InstallationPermission, Permission
from leverage.compare import peers as peer_rules
from leverage.compare import views as compare
from leverage.compare.charts import funnel_chart, gap_chart, heat_map_chart, profile_chart, trend_chart
from leverage.compare.cube import LEVELS, NOT_STATED, POINT_ORDER
from leverage.compare.sources import STORE_SOURCE, check_upload, save_upload
from leverage.core.i18n import N_, _, format_number, language
from leverage.survey.charts import level_distribution_chart, point_label
from leverage.survey.instrument import default_instrument
from leverage.survey.responses import ResponseDataError
from leverage.survey.rounds import round_label, round_order
from ui import auth, chart_widget, compare_data, frame, state, widgets

frame.require()
principal = auth.require(Permission.VIEW_RESULTS)

widgets.header(_("Compare"),
               _("Compare departments within an organization, or organizations across the store and parquet "
                 "sources: heat map, profiles, distributions, role gaps, trend, funnel plot and statements. "
                 "Small groups are withheld, and so is the next-smallest when one alone would be revealed by "
                 "subtraction."))

settings = state.settings()
min_n = settings.min_n
instrument = default_instrument()
lang = language()
POINTS = {p: point_label(instrument, p, lang) for p in POINT_ORDER}
PNG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart(fig, stem: str, key: str) -> None:
    config = {**PNG, "toImageButtonOptions": {**PNG["toImageButtonOptions"], "filename": stem.replace(" ", "_")}}
    chart_widget.show(fig, key=key, config=config)
    widgets.chart_downloads(fig, stem, f"img_{key}")


def show(frame: pd.DataFrame) -> None:
    """A table with readable headings and formats (downloads keep the plain column names)."""
    labels = {"unit": unit_title, "round": _("Round"), "leverage_point": _("Leverage point"), "n": "n",
              "role": _("Role"), "item_id": _("Statement"), "statement": _("Text"), "status": _("Status"),
              "position": _("Funnel position"),
              "highest": _("Highest role"), "lowest": _("Lowest role"), "highest_n": _("n (highest)"),
              "lowest_n": _("n (lowest)"), "clear": _("Gap beyond noise")}
    numbers = {"mean": _("Mean (1–5)"), "sd": _("SD"), "ci_low": _("95 % CI low"), "ci_high": _("95 % CI high"),
               "difference": _("Difference"), "highest_mean": _("Mean (highest)"), "lowest_mean": _("Mean (lowest)"),
               "gap": _("Gap"), "gap_low": _("Gap 95 % CI low"), "gap_high": _("Gap 95 % CI high")}
    p_values = {"p_value": _("p (Welch)"), "p_holm": _("p (Holm-adjusted)")}
    shares = {"dont_know_rate": _("Don't know"), "dont_know": _("Don't know"),
              **{f"level_{v}": _("Level {level}").format(level=v) for v in LEVELS}}
    config = {c: label for c, label in labels.items() if c in frame.columns}
    config.update({c: st.column_config.NumberColumn(label, format="%.2f") for c, label in numbers.items()
                   if c in frame.columns})
    config.update({c: st.column_config.NumberColumn(label, format="percent") for c, label in shares.items()
                   if c in frame.columns})
    config.update({c: st.column_config.NumberColumn(label, format="%.3f") for c, label in p_values.items()
                   if c in frame.columns})
    st.dataframe(frame, hide_index=True, column_config=config)


handles, refused, catalogue = compare_data.sources()
calendar = state.cached(state.round_dates)  # the store's rounds: organization, round, opens_on, workshop


def ordered_rounds(names, organization: str | None = None, dated: bool = True) -> tuple[list[str], set[str]]:
    """`names` oldest first (by the store's opening dates when `dated`, else by the dates their names give),
    and those that are workshop rounds."""
    known = calendar if organization is None else calendar[calendar["organization"] == organization]
    if not dated:
        known = known.iloc[0:0]
    dates = known.groupby("round")["opens_on"].min().to_dict()
    return round_order(names, dates), set(known.loc[known["workshop"], "round"])


def pick_round(column, names: list[str], workshop: set[str], key: str) -> str:
    """A round select box, newest first; by default the latest survey round (a workshop round only when there
    is nothing else), and workshop rounds labelled as such."""
    newest_first = names[::-1]
    survey = [r for r in newest_first if r not in workshop]
    default = newest_first.index(survey[0]) if survey else 0
    return column.selectbox(_("Round"), newest_first, index=default, key=key,
                        format_func=lambda r: round_label(r, r in workshop))

# Who may be seen by name: the person's own organizations, and those whose admins and theirs both agreed to a
# named comparison. Everyone else (every organization of a parquet source too) only inside peer figures.
_names = state.cached(state.organizations).set_index("id")["name"]
own_orgs = principal.organizations(Permission.VIEW_RESULTS)
own_names = {str(_names[o]) for o in own_orgs if o in _names.index}
named_names = {str(_names[o]) for o in auth.access().named.named_peers(own_orgs) if o in _names.index}
# An organization of a parquet source counts as one's own when its name is one's organization's (a national file
# that includes one's hospital); named peers are organizations of the store.
visible_units = {compare.organization_label(src, n) for src in handles for n in own_names} | \
    {compare.organization_label(STORE_SOURCE, n) for n in named_names}

sources_label = _("Sources ({used} in use, {refused} refused)") if refused else _("Sources ({used} in use)")
with st.expander(sources_label.format(used=len(handles), refused=len(refused))):
    st.caption(_("The app's own store, plus parquet files or folders (hive partitions allowed) placed in "
                 "`{folder}` or uploaded here, in the long response format of the `score` command. A file with any "
                 "bad row is refused whole.").format(folder=widgets.esc(settings.sources_dir)))
    st.dataframe(compare_data.listing(handles, refused, catalogue), hide_index=True)
    for name, message in refused.items():
        st.error(_("Refused {source}: {reason}").format(source=widgets.esc(name), reason=widgets.esc(message)))
    nonce = st.session_state.get("compare_upload_nonce", 0)
    uploads = st.file_uploader(_("Add parquet files"), type=["parquet"], accept_multiple_files=True,
                               key=f"compare_upload_{nonce}", max_upload_size=settings.max_upload_mb,
                               disabled=not principal.can(InstallationPermission.MANAGE_SOURCES),
                               help=None if principal.can(InstallationPermission.MANAGE_SOURCES) else
                               _("Sources are stored on the server for everyone: an installation admin adds them."))
    if uploads:
        checked, errors = [], []
        seen = st.session_state.setdefault("compare_checked", {})  # content hash -> message or None
        for up in uploads:
            digest = hashlib.sha256(up.getvalue()).hexdigest()
            if digest not in seen:  # each file checked once, not on every rerun
                try:
                    check_upload(up.getvalue(), up.name, settings.max_upload_mb, settings.max_upload_rows)
                    seen[digest] = None
                except ResponseDataError as exc:
                    seen[digest] = str(exc)
            if seen[digest] is None:
                checked.append(up)
            else:
                errors.append(seen[digest])
        if errors:  # all or nothing: one bad file keeps every file of this upload out
            for message in errors:
                st.error(_("Nothing added. {reason}").format(reason=widgets.esc(message)))
        elif st.button(_("Add {count} file(s) as comparison source(s)").format(count=len(checked)), type="primary") \
                and \
                auth.permit(InstallationPermission.MANAGE_SOURCES, None, "add a comparison source"):
            names = [save_upload(up.getvalue(), up.name, settings.sources_dir).name for up in checked]
            auth.access().audit.record(principal.label, Action.SOURCE_ADDED, target=", ".join(names),
                                       address=auth.address())
            st.session_state["compare_upload_nonce"] = nonce + 1
            st.session_state["compare_flash"] = _("Added {files}.").format(files=", ".join(names))
            st.rerun()
if flash := st.session_state.pop("compare_flash", None):
    st.success(widgets.esc(flash))

if catalogue.empty:
    st.info(_("There are no responses to compare yet. Import responses under **Manage data**, or add a parquet "
              "source above."))
    st.stop()

MODES = {"Departments": N_("Departments"), "Organizations": N_("Organizations")}
mode = st.segmented_control(_("Compare"), list(MODES), default="Departments", key="compare_mode",
                            format_func=lambda m: _(MODES[m])) or "Departments"
pool: str | None = None
if mode == "Departments":
    orgs = catalogue[["source", "organization"]].drop_duplicates().sort_values(["source", "organization"],
                                                                             key=lambda s: s != STORE_SOURCE
                                                                             if s.name == "source" else s)
    choices = [(s, o) for s, o in zip(orgs["source"], orgs["organization"], strict=True)
               if o in own_names]  # departments: only one's own organizations
    if not choices:
        st.info(_("None of your organizations has responses to compare yet."))
        st.stop()
    picked = state.selected_organization(own_orgs)
    default = next((i for i, c in enumerate(choices) if picked and c == (STORE_SOURCE, picked[1])), 0)
    c1, c2 = st.columns([3, 2])
    source, org = c1.selectbox(_("Organization"), choices, index=default, key="compare_org",
                               format_func=lambda c: compare.organization_label(c[0], c[1]))
    rounds, workshop_rounds = ordered_rounds(
        catalogue[(catalogue["source"] == source) & (catalogue["organization"] == org)]["round"], org,
        dated=source == STORE_SOURCE)
    round_name = pick_round(c2, rounds, workshop_rounds, f"compare_round_{source}_{org}")
    pool_key = f"compare_pool::{source}::{org}"
    pool = st.session_state.get(pool_key)
    handle = handles[source]
    cube = compare_data.org_with_source(handle, org)
    key = handle.key
    view = compare_data.department_view(key, source, org, pool, min_n, cube.points, cube.items)
    unit_word, parent_name = "department", org
    unit_title, units_title = _("Department"), _("Departments")
    scope_key: tuple = (source, org)
else:
    sources = sorted(catalogue["source"].unique(), key=lambda s: (s != STORE_SOURCE, s))
    c1, c2 = st.columns([3, 2])
    chosen = tuple(c1.multiselect(_("Sources"), sources, default=sources, key="compare_sources") or sources)
    rounds, workshop_rounds = ordered_rounds(catalogue[catalogue["source"].isin(chosen)]["round"],
                                             dated=STORE_SOURCE in chosen)
    round_name = pick_round(c2, rounds, workshop_rounds, "compare_org_round")
    cube = compare_data.combined([handles[c] for c in chosen])
    key = tuple(handles[c].key for c in chosen)
    view = compare_data.organization_view(key, min_n, cube.points)
    unit_word, parent_name = "organization", _("all organizations")
    unit_title, units_title = _("Organization"), _("Organizations")
    scope_key = chosen

scores, parent = view["scores"], view["parent"]
if mode == "Organizations":  # other organizations only as peer figures, never by name
    all_scores = scores
    parent = peer_rules.scope_benchmark(parent, all_scores, visible_units)
    scores = peer_rules.scope_scores(all_scores, visible_units, parent)
    if scores.empty:
        st.info(_("None of your organizations has responses in these sources."))
        st.stop()
heading = parent_name[:1].upper() + parent_name[1:]  # chart titles start with it


def peers() -> pd.DataFrame:
    """The peer benchmark: the reportable organizations of the source (built on first use), withheld where it
    would pool only one or two organizations the person may not see."""
    if mode == "Organizations":
        return parent
    source_scores = compare_data.organization_view(handle.key, min_n, compare_data.combined([handle]).points)
    benchmark = compare_data.peer_view(handle.key, source, min_n, compare_data.combined([handle]).points)
    return peer_rules.scope_benchmark(benchmark, source_scores["scores"], visible_units)


now = scores[scores["round"] == round_name]
overall_parent = parent[(parent["round"] == round_name) & (parent["leverage_point"] == compare.OVERALL)]
n_total = int(overall_parent["n"].iloc[0]) if not overall_parent.empty else 0
units_now = now[now["leverage_point"] == compare.OVERALL]
m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Respondents"), format_number(n_total))
m2.metric(units_title, format_number(len(units_now)))
m3.metric(_("Withheld"), format_number(int(compare.withheld(units_now["status"]).sum())))
m4.metric(_("Threshold"), f"n ≥ {min_n}")
widgets.threshold_note(min_n)
if mode == "Organizations":
    hidden_units = set(all_scores["unit"]) - visible_units
    figures = peer_rules.peer_figures(all_scores, hidden_units)
    figures = figures[figures["round"] == round_name].drop(columns="round")
    with st.expander(_("Peer organizations, anonymous ({count} not shown by name)").format(count=len(hidden_units))):
        st.caption(_("Median and quartiles of the peer organizations' mean scores (1–5), counting only peers at or "
                     "above the threshold, shown where at least {min_peers} are reportable. Peers are named only when "
                     "both organizations' admins agree (Users and access → Named comparisons).").format(
            min_peers=peer_rules.MIN_PEERS))
        quartiles = {"q1": _("Lower quartile"), "median": _("Median"), "q3": _("Upper quartile")}
        st.dataframe(figures.rename(columns={"leverage_point": _("Leverage point"), "peers": _("Peers"),
                                             "status": _("Status"), **quartiles}),
                     hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.2f")
                                                     for c in quartiles.values()})
        widgets.downloads(figures, f"peer-figures-{round_name}", "dl_compare_peer_figures")


if mode == "Departments":
    with st.expander(_("Pool small departments into one reportable group")):
        members = view["pooled"].get(round_name, ())
        st.caption(_("Every department with fewer than {min_n} respondents in a round is combined into one named "
                     "group, reported like a department in every view (all of them, so no two groups can be set "
                     "against each other to single one out).").format(min_n=min_n))
        with st.form(f"pool_form_{source}_{org}"):
            name = st.text_input(_("Name of the pooled group"), value=pool or "", placeholder=_("e.g. Small units"),
                                 max_chars=80)
            add, clear = st.columns(2)
            submitted = add.form_submit_button(_("Pool small departments"))
            cleared = clear.form_submit_button(_("Stop pooling"), disabled=pool is None)
        if cleared:
            st.session_state.pop(pool_key, None)
            st.rerun()
        if submitted:
            departments = view["units"]["department"].fillna(NOT_STATED).unique().tolist()
            problems = compare.check_pool_name(name, departments)
            for problem in problems:
                st.error(widgets.esc(_(problem)))
            if not problems:
                st.session_state[pool_key] = name.strip()
                st.rerun()
        if pool:
            st.write(_("**{group}** in {round}: {members}").format(
                group=widgets.esc(pool), round=widgets.esc(round_name),
                members=widgets.esc(", ".join(members)) if members else _("no department below the threshold")))

VIEWS = {"Heat map": N_("Heat map"), "Profiles": N_("Profiles"), "Distributions": N_("Distributions"),
         "Role gaps": N_("Role gaps"), "Trend": N_("Trend"), "Funnel": N_("Funnel"), "Statements": N_("Statements")}
shown = st.segmented_control(_("View"), list(VIEWS), default="Heat map", key="compare_view",
                             format_func=lambda v: _(VIEWS[v])) or "Heat map"
departments_mode = mode == "Departments"
stem = f"compare-{unit_word}s-{parent_name}-{round_name}"

if shown == "Heat map":
    against = "Organization" if mode == "Departments" else "All organizations"
    if mode == "Departments":
        AGAINST = {"Organization mean": N_("Organization mean"),
                   "Peer mean (all organizations in the source)": N_("Peer mean (all organizations in the source)")}
        against = st.radio(_("Colour by difference from"), list(AGAINST), horizontal=True, key="compare_against",
                           format_func=lambda a: _(AGAINST[a]))
    table = now.copy()
    if against.startswith("Peer"):
        peer = peers()
        ref = peer[peer["round"] == round_name][["leverage_point", "mean"]].rename(columns={"mean": "peer"})
        table = table.merge(ref, on="leverage_point", how="left")
        table["difference"] = table["mean"] - table["peer"]
        table = table.drop(columns="peer")
    if against.startswith("Organization"):
        title = _("{heading}, {round}: mean score minus the organization mean (points on the 1–5 scale), n = {n}")
        value_label = _("Difference from the organization mean")
    elif departments_mode:
        title = _("{heading}, {round}: mean score minus the peer mean (points on the 1–5 scale), n = {n}")
        value_label = _("Difference from the peer mean")
    else:
        title = _("{heading}, {round}: mean score minus the mean of all organizations (points on the 1–5 scale), "
                  "n = {n}")
        value_label = _("Difference from the mean of all organizations")
    title = title.format(heading=heading, round=round_name, n=n_total)
    fig = compare_data.cached_figure(("heat", key, mode, scope_key, round_name, pool, against, min_n, title),
                                     lambda: heat_map_chart(*compare.heat_tables(table), title,
                                                            value_label=value_label))
    chart(fig, stem + "-heat-map", "compare_heat")
    if mode == "Organizations" or against.startswith("Peer"):
        st.caption(_("Benchmarks of organizations count only organizations at or above the threshold."))
    out = compare.public(table)
    show(out)
    widgets.downloads(out, stem + "-heat-map", "dl_compare_heat")

elif shown == "Profiles":
    options = units_now.sort_values("n", ascending=False)["unit"].tolist()
    picked_units = st.multiselect(_("Departments to overlay (up to 6)") if departments_mode else
                                  _("Organizations to overlay (up to 6)"), options, default=options[:2],
                                  max_selections=6, key=f"compare_profile_{mode}")
    rows = now[now["unit"].isin(picked_units)].copy()
    refs = [parent[parent["round"] == round_name].assign(unit=_("{name} (all)").format(name=parent_name))]
    if mode == "Departments":
        peer = peers()
        refs.append(peer[peer["round"] == round_name].assign(unit=_("Peers (all organizations in the source)")))
    rows = pd.concat([rows, *refs], ignore_index=True)
    title = _("{heading}, {round}: mean score per leverage point (1–5) against the benchmarks, n = {n}").format(
        heading=heading, round=round_name, n=n_total)
    fig = compare_data.cached_figure(("profile", key, mode, scope_key, round_name, pool, tuple(picked_units),
                                      min_n, title), lambda: profile_chart(rows, "unit", title, POINTS))
    chart(fig, stem + "-profiles", "compare_profile")
    out = compare.public(rows)
    show(out)
    widgets.downloads(out, stem + "-profiles", "dl_compare_profile")

elif shown == "Distributions":
    point = st.selectbox(_("Leverage point"), list(POINTS), format_func=POINTS.get, key="compare_dist_point")
    dist = compare.level_shares(scores, round_name, point)
    title = (_("{heading}, {round}: answers by level, {point} (% of answers per department), n = {n}")
             if departments_mode else
             _("{heading}, {round}: answers by level, {point} (% of answers per organization), n = {n}")).format(
        heading=heading, round=round_name, point=point, n=n_total)
    fig = compare_data.cached_figure(("dist", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: level_distribution_chart(dist, instrument, title, language=lang,
                                                                              label_column="unit"))
    chart(fig, stem + f"-distribution-{point}", "compare_dist")
    show(dist)
    widgets.downloads(dist, stem + f"-distribution-{point}", "dl_compare_dist")

elif shown == "Role gaps":
    # Roles within one organization only: role groups of a department, or of all organizations together,
    # could be set against the organization's to single out a small group.
    if mode == "Departments":
        scope = "(all)"
        units, scope_rows = view["units"], parent[parent["round"] == round_name]
    else:
        scope = st.selectbox(_("Organization"), units_now["unit"].tolist(), key="compare_gap_org")
        units, scope_rows = view["units"][view["units"]["unit"] == scope], now[now["unit"] == scope]
    roles = compare.role_scores(units, round_name, min_n, scope_rows[["leverage_point", "status"]],
                                decided=view.get("decided") if mode == "Departments" else None)
    gaps = compare.perception_gaps(roles, settings.role_labels)
    where = parent_name if scope == "(all)" else scope
    n_scope = n_total if scope == "(all)" else int(units_now.loc[units_now["unit"] == scope, "n"].sum())
    title = _("{where}, {round}: mean score by role with 95 % intervals (1–5), n = {n}").format(
        where=where, round=round_name, n=n_scope)
    fig = compare_data.cached_figure(("gaps", key, mode, scope_key, round_name, pool, scope, min_n, title),
                                     lambda: gap_chart(roles, title, POINTS, settings.role_labels))
    chart(fig, stem + "-role-gaps", "compare_gaps")
    hidden_roles = sorted({settings.role_labels.get(r, r) for r in roles.loc[roles["status"] != "ok", "role"]})
    if hidden_roles:
        st.caption(_("Withheld for some or all points (too few respondents, or to protect a smaller group): "
                     "{roles}.").format(roles=widgets.esc(", ".join(hidden_roles))))
    st.caption(_("The gap is the highest minus the lowest reportable role, with its own 95 % interval (Welch). "
                 "*Gap beyond noise* tests every pair of roles on every point (Welch) and allows for making that many "
                 "comparisons (Holm): when roles truly agree, the chance of any gap in this table being called clear "
                 "is at most 5 %. So an interval clear of zero is not enough on its own."))
    show(gaps)
    widgets.downloads(gaps, stem + "-role-gaps", "dl_compare_gaps")
    roles_out = roles.rename(columns={"role": "unit"}).assign(round=round_name)
    roles_table = compare.public(roles_out).rename(columns={"unit": "role"})
    show(roles_table)
    widgets.downloads(roles_table, stem + "-roles", "dl_compare_roles")

elif shown == "Trend":
    point = st.selectbox(_("Leverage point"), list(POINTS), index=len(POINTS) - 1, format_func=POINTS.get,
                         key="compare_trend_point")
    options = units_now.sort_values("n", ascending=False)["unit"].tolist()
    picked_units = st.multiselect(_("Departments (up to 8)") if departments_mode else _("Organizations (up to 8)"),
                                  options, default=options[:4], max_selections=8,
                                  key=f"compare_trend_units_{mode}")
    all_rounds = [r for r in rounds if r in set(scores["round"].dropna())]  # oldest first, by date
    rows = scores[scores["unit"].isin(picked_units) & (scores["leverage_point"] == point)]
    rows = pd.concat([rows, parent[parent["leverage_point"] == point].assign(
        unit=_("{name} (all)").format(name=parent_name))], ignore_index=True)
    title = (_("{heading}: mean score per round, {point} (1–5), by department") if departments_mode else
             _("{heading}: mean score per round, {point} (1–5), by organization")).format(heading=heading, point=point)
    fig = compare_data.cached_figure(("trend", key, mode, scope_key, pool, point, tuple(picked_units), min_n,
                                      title), lambda: trend_chart(rows, all_rounds, title))
    chart(fig, stem + f"-trend-{point}", "compare_trend")
    out = compare.public(rows)
    out = out.sort_values("round", key=lambda r: r.map({name: i for i, name in enumerate(all_rounds)}),
                          kind="stable") if "round" in out else out
    show(out)
    widgets.downloads(out, f"compare-trend-{parent_name}-{point}", "dl_compare_trend")

elif shown == "Funnel":
    point = st.selectbox(_("Leverage point"), list(POINTS), index=len(POINTS) - 1, format_func=POINTS.get,
                         key="compare_funnel_point")
    units, curve = compare.funnel(scores, parent, round_name, point)
    title = (_("{heading}, {round}: {point} mean per department (1–5) against respondents (n)") if departments_mode
             else _("{heading}, {round}: {point} mean per organization (1–5) against respondents (n)")).format(
        heading=heading, round=round_name, point=point)
    fig = compare_data.cached_figure(("funnel", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: funnel_chart(units, curve, title))
    chart(fig, stem + f"-funnel-{point}", "compare_funnel")
    st.caption((_("Limits: mean ± z·SD/√n (z = 1.96 and 3.09), SD = spread of all respondents' scores in {parent}. "
                  "A department outside the 99.8 % limits differs beyond chance; withheld departments are not "
                  "plotted.") if departments_mode else
                _("Limits: mean ± z·SD/√n (z = 1.96 and 3.09), SD = spread of all respondents' scores in {parent}. "
                  "An organization outside the 99.8 % limits differs beyond chance; withheld organizations are not "
                  "plotted.")).format(parent=widgets.esc(parent_name)))
    out = compare.public(units, extra=["position"])
    show(out)
    widgets.downloads(out, stem + f"-funnel-{point}", "dl_compare_funnel")

else:  # Statements
    point = st.selectbox(_("Leverage point"), [p for p in POINTS if p != compare.OVERALL], format_func=POINTS.get,
                         key="compare_items_point")
    point_now = now[now["leverage_point"] == point]
    unit_status = tuple(zip(point_now["unit"], point_now["status"], strict=True))
    if mode == "Departments":
        pooled = tuple((m, pool) for m in view["pooled"].get(round_name, ()))
        items = compare_data.item_view(key, point, round_name, "department", pooled, min_n, unit_status, cube.items,
                                       pool, view["decided"])
    else:
        items = compare_data.item_view(key, point, round_name, "organization", (), min_n, unit_status, cube.items)
        hidden = peer_rules.hidden_counts(all_scores, visible_units)
        hidden = hidden[(hidden["round"] == round_name) & (hidden["leverage_point"] == point)]["hidden"]
        items = items[items["unit"].isin(visible_units)].copy()
        if not hidden.empty and 0 < int(hidden.iloc[0]) < peer_rules.MIN_PEERS:
            items["difference"] = float("nan")  # the reference would give away one or two unseen organizations
    texts = {i.id: f"{i.id} {instrument.text(i.text, lang)[:40]}…" for i in instrument.items}
    title = _("{heading}, {round}: statements of {point}, mean minus the mean of {parent} (points on the 1–5 scale)"
              ).format(heading=heading, round=round_name, point=point, parent=parent_name)
    fig = compare_data.cached_figure(("items", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: heat_map_chart(*compare.heat_tables(items, "item_id"), title,
                                                            value_label=_("Difference from {parent}").format(
                                                                parent=parent_name)))
    chart(fig, stem + f"-statements-{point}", "compare_items")
    out = items[["unit", "item_id", "n", "mean", "sd", "ci_low", "ci_high", "difference", "dont_know_rate",
                 "status"]].assign(statement=items["item_id"].map(texts))
    show(out)
    widgets.downloads(out, stem + f"-statements-{point}", "dl_compare_items")
