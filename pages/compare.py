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
from leverage.survey.charts import level_distribution_chart, point_label
from leverage.survey.instrument import default_instrument
from leverage.survey.responses import ResponseDataError
from leverage.survey.rounds import round_label, round_order
from ui import auth, chart_widget, compare_data, frame, state, widgets

frame.require()
principal = auth.require(Permission.VIEW_RESULTS)

widgets.header("Compare",
               "Compare departments within an organization, or organizations across the store and parquet "
               "sources: heat map, profiles, distributions, role gaps, trend, funnel plot and statements. "
               "Small groups are withheld, and so is the next-smallest when one alone would be revealed by "
               "subtraction.")

settings = state.settings()
min_n = settings.min_n
instrument = default_instrument()
POINTS = {p: point_label(instrument, p) for p in POINT_ORDER}
PNG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart(fig, stem: str, key: str) -> None:
    config = {**PNG, "toImageButtonOptions": {**PNG["toImageButtonOptions"], "filename": stem.replace(" ", "_")}}
    chart_widget.show(fig, key=key, config=config)
    widgets.chart_downloads(fig, stem, f"img_{key}")


def show(frame: pd.DataFrame) -> None:
    """A table with readable headings and formats (downloads keep the plain column names)."""
    labels = {"unit": unit_word.title(), "round": "Round", "leverage_point": "Leverage point", "n": "n",
              "role": "Role", "item_id": "Statement", "statement": "Text", "status": "Status",
              "position": "Funnel position",
              "highest": "Highest role", "lowest": "Lowest role", "highest_n": "n (highest)",
              "lowest_n": "n (lowest)", "clear": "Gap beyond noise"}
    numbers = {"mean": "Mean (1–5)", "sd": "SD", "ci_low": "95 % CI low", "ci_high": "95 % CI high",
               "difference": "Difference", "highest_mean": "Mean (highest)", "lowest_mean": "Mean (lowest)",
               "gap": "Gap", "gap_low": "Gap 95 % CI low", "gap_high": "Gap 95 % CI high"}
    p_values = {"p_value": "p (Welch)", "p_holm": "p (Holm-adjusted)"}
    shares = {"dont_know_rate": "Don't know", "dont_know": "Don't know",
              **{f"level_{v}": f"Level {v}" for v in LEVELS}}
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
    return column.selectbox("Round", newest_first, index=default, key=key,
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

with st.expander(f"Sources ({len(handles)} in use" + (f", {len(refused)} refused)" if refused else ")")):
    st.caption(f"The app's own store, plus parquet files or folders (hive partitions allowed) placed in "
               f"`{widgets.esc(settings.sources_dir)}` or uploaded here, in the long response format of the "
               "`score` command. A file with any bad row is refused whole.")
    st.dataframe(compare_data.listing(handles, refused, catalogue), hide_index=True)
    for name, message in refused.items():
        st.error(f"Refused {widgets.esc(name)}: {widgets.esc(message)}")
    nonce = st.session_state.get("compare_upload_nonce", 0)
    uploads = st.file_uploader("Add parquet files", type=["parquet"], accept_multiple_files=True,
                               key=f"compare_upload_{nonce}", max_upload_size=settings.max_upload_mb,
                               disabled=not principal.can(InstallationPermission.MANAGE_SOURCES),
                               help=None if principal.can(InstallationPermission.MANAGE_SOURCES) else
                               "Sources are stored on the server for everyone: an installation admin adds them.")
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
                st.error(f"Nothing added. {widgets.esc(message)}")
        elif st.button(f"Add {len(checked)} file(s) as comparison source(s)", type="primary") and \
                auth.permit(InstallationPermission.MANAGE_SOURCES, None, "add a comparison source"):
            names = [save_upload(up.getvalue(), up.name, settings.sources_dir).name for up in checked]
            auth.access().audit.record(principal.label, Action.SOURCE_ADDED, target=", ".join(names),
                                       address=auth.address())
            st.session_state["compare_upload_nonce"] = nonce + 1
            st.session_state["compare_flash"] = f"Added {', '.join(names)}."
            st.rerun()
if flash := st.session_state.pop("compare_flash", None):
    st.success(widgets.esc(flash))

if catalogue.empty:
    st.info("There are no responses to compare yet. Import responses under **Manage data**, or add a parquet "
            "source above.")
    st.stop()

mode = st.segmented_control("Compare", ["Departments", "Organizations"], default="Departments",
                            key="compare_mode") or "Departments"
pool: str | None = None
if mode == "Departments":
    orgs = catalogue[["source", "organization"]].drop_duplicates().sort_values(["source", "organization"],
                                                                             key=lambda s: s != STORE_SOURCE
                                                                             if s.name == "source" else s)
    choices = [(s, o) for s, o in zip(orgs["source"], orgs["organization"], strict=True)
               if o in own_names]  # departments: only one's own organizations
    if not choices:
        st.info("None of your organizations has responses to compare yet.")
        st.stop()
    picked = state.selected_organization(own_orgs)
    default = next((i for i, c in enumerate(choices) if picked and c == (STORE_SOURCE, picked[1])), 0)
    c1, c2 = st.columns([3, 2])
    source, org = c1.selectbox("Organization", choices, index=default, key="compare_org",
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
    scope_key: tuple = (source, org)
else:
    sources = sorted(catalogue["source"].unique(), key=lambda s: (s != STORE_SOURCE, s))
    c1, c2 = st.columns([3, 2])
    chosen = tuple(c1.multiselect("Sources", sources, default=sources, key="compare_sources") or sources)
    rounds, workshop_rounds = ordered_rounds(catalogue[catalogue["source"].isin(chosen)]["round"],
                                             dated=STORE_SOURCE in chosen)
    round_name = pick_round(c2, rounds, workshop_rounds, "compare_org_round")
    cube = compare_data.combined([handles[c] for c in chosen])
    key = tuple(handles[c].key for c in chosen)
    view = compare_data.organization_view(key, min_n, cube.points)
    unit_word, parent_name = "organization", "all organizations"
    scope_key = chosen

scores, parent = view["scores"], view["parent"]
if mode == "Organizations":  # other organizations only as peer figures, never by name
    all_scores = scores
    parent = peer_rules.scope_benchmark(parent, all_scores, visible_units)
    scores = peer_rules.scope_scores(all_scores, visible_units, parent)
    if scores.empty:
        st.info("None of your organizations has responses in these sources.")
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
m1.metric("Respondents", n_total)
m2.metric(f"{unit_word.title()}s", len(units_now))
m3.metric("Withheld", int(compare.withheld(units_now["status"]).sum()))
m4.metric("Threshold", f"n ≥ {min_n}")
widgets.threshold_note(min_n)
if mode == "Organizations":
    hidden_units = set(all_scores["unit"]) - visible_units
    figures = peer_rules.peer_figures(all_scores, hidden_units)
    figures = figures[figures["round"] == round_name].drop(columns="round")
    with st.expander(f"Peer organizations, anonymous ({len(hidden_units)} not shown by name)"):
        st.caption("Median and quartiles of the peer organizations' mean scores (1–5), counting only peers at or "
                   f"above the threshold, shown where at least {peer_rules.MIN_PEERS} are reportable. Peers are "
                   "named only when both organizations' admins agree (Users and access → Named comparisons).")
        st.dataframe(figures.rename(columns={"leverage_point": "Leverage point", "peers": "Peers",
                                             "q1": "Lower quartile", "median": "Median", "q3": "Upper quartile",
                                             "status": "Status"}),
                     hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.2f")
                                                     for c in ("Lower quartile", "Median", "Upper quartile")})
        widgets.downloads(figures, f"peer-figures-{round_name}", "dl_compare_peer_figures")


if mode == "Departments":
    with st.expander("Pool small departments into one reportable group"):
        members = view["pooled"].get(round_name, ())
        st.caption(f"Every department with fewer than {min_n} respondents in a round is combined into one named "
                   "group, reported like a department in every view (all of them, so no two groups can be set "
                   "against each other to single one out).")
        with st.form(f"pool_form_{source}_{org}"):
            name = st.text_input("Name of the pooled group", value=pool or "", placeholder="e.g. Small units",
                                 max_chars=80)
            add, clear = st.columns(2)
            submitted = add.form_submit_button("Pool small departments")
            cleared = clear.form_submit_button("Stop pooling", disabled=pool is None)
        if cleared:
            st.session_state.pop(pool_key, None)
            st.rerun()
        if submitted:
            departments = view["units"]["department"].fillna(NOT_STATED).unique().tolist()
            problems = compare.check_pool_name(name, departments)
            for problem in problems:
                st.error(widgets.esc(problem))
            if not problems:
                st.session_state[pool_key] = name.strip()
                st.rerun()
        if pool:
            st.write(f"**{widgets.esc(pool)}** in {widgets.esc(round_name)}: "
                     f"{widgets.esc(', '.join(members)) if members else 'no department below the threshold'}")

VIEWS = ["Heat map", "Profiles", "Distributions", "Role gaps", "Trend", "Funnel", "Statements"]
shown = st.segmented_control("View", VIEWS, default="Heat map", key="compare_view") or "Heat map"
stem = f"compare-{unit_word}s-{parent_name}-{round_name}"

if shown == "Heat map":
    against = "Organization" if mode == "Departments" else "All organizations"
    if mode == "Departments":
        against = st.radio("Colour by difference from", ["Organization mean", "Peer mean (all organizations in "
                                                          "the source)"], horizontal=True, key="compare_against")
    table = now.copy()
    if against.startswith("Peer"):
        peer = peers()
        ref = peer[peer["round"] == round_name][["leverage_point", "mean"]].rename(columns={"mean": "peer"})
        table = table.merge(ref, on="leverage_point", how="left")
        table["difference"] = table["mean"] - table["peer"]
        table = table.drop(columns="peer")
    reference = "the organization mean" if against.startswith("Organization") else \
        ("the peer mean" if mode == "Departments" else "the mean of all organizations")
    title = (f"{heading}, {round_name}: mean score minus {reference} (points on the 1–5 scale), "
             f"n = {n_total}")
    fig = compare_data.cached_figure(("heat", key, mode, scope_key, round_name, pool, against, min_n, title),
                                     lambda: heat_map_chart(*compare.heat_tables(table), title,
                                                            value_label=f"Difference from {reference}"))
    chart(fig, stem + "-heat-map", "compare_heat")
    if mode == "Organizations" or against.startswith("Peer"):
        st.caption("Benchmarks of organizations count only organizations at or above the threshold.")
    out = compare.public(table)
    show(out)
    widgets.downloads(out, stem + "-heat-map", "dl_compare_heat")

elif shown == "Profiles":
    options = units_now.sort_values("n", ascending=False)["unit"].tolist()
    picked_units = st.multiselect(f"{unit_word.title()}s to overlay (up to 6)", options, default=options[:2],
                                  max_selections=6, key=f"compare_profile_{mode}")
    rows = now[now["unit"].isin(picked_units)].copy()
    refs = [parent[parent["round"] == round_name].assign(unit=f"{parent_name} (all)")]
    if mode == "Departments":
        peer = peers()
        refs.append(peer[peer["round"] == round_name].assign(unit="Peers (all organizations in the source)"))
    rows = pd.concat([rows, *refs], ignore_index=True)
    title = f"{heading}, {round_name}: mean score per leverage point (1–5) against the benchmarks, n = {n_total}"
    fig = compare_data.cached_figure(("profile", key, mode, scope_key, round_name, pool, tuple(picked_units),
                                      min_n, title), lambda: profile_chart(rows, "unit", title, POINTS))
    chart(fig, stem + "-profiles", "compare_profile")
    out = compare.public(rows)
    show(out)
    widgets.downloads(out, stem + "-profiles", "dl_compare_profile")

elif shown == "Distributions":
    point = st.selectbox("Leverage point", list(POINTS), format_func=POINTS.get, key="compare_dist_point")
    dist = compare.level_shares(scores, round_name, point)
    title = f"{heading}, {round_name}: answers by level, {point} (% of answers per {unit_word}), n = {n_total}"
    fig = compare_data.cached_figure(("dist", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: level_distribution_chart(dist, instrument, title, label_column="unit"))
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
        scope = st.selectbox("Organization", units_now["unit"].tolist(), key="compare_gap_org")
        units, scope_rows = view["units"][view["units"]["unit"] == scope], now[now["unit"] == scope]
    roles = compare.role_scores(units, round_name, min_n, scope_rows[["leverage_point", "status"]],
                                decided=view.get("decided") if mode == "Departments" else None)
    gaps = compare.perception_gaps(roles, settings.role_labels)
    where = parent_name if scope == "(all)" else scope
    n_scope = n_total if scope == "(all)" else int(units_now.loc[units_now["unit"] == scope, "n"].sum())
    title = f"{where}, {round_name}: mean score by role with 95 % intervals (1–5), n = {n_scope}"
    fig = compare_data.cached_figure(("gaps", key, mode, scope_key, round_name, pool, scope, min_n, title),
                                     lambda: gap_chart(roles, title, POINTS, settings.role_labels))
    chart(fig, stem + "-role-gaps", "compare_gaps")
    hidden_roles = sorted({settings.role_labels.get(r, r) for r in roles.loc[roles["status"] != "ok", "role"]})
    if hidden_roles:
        st.caption(f"Withheld for some or all points (too few respondents, or to protect a smaller group): "
                   f"{widgets.esc(', '.join(hidden_roles))}.")
    st.caption("The gap is the highest minus the lowest reportable role, with its own 95 % interval (Welch). "
               "*Gap beyond noise* tests every pair of roles on every point (Welch) and allows for making that many "
               "comparisons (Holm): when roles truly agree, the chance of any gap in this table being called clear "
               "is at most 5 %. So an interval clear of zero is not enough on its own.")
    show(gaps)
    widgets.downloads(gaps, stem + "-role-gaps", "dl_compare_gaps")
    roles_out = roles.rename(columns={"role": "unit"}).assign(round=round_name)
    roles_table = compare.public(roles_out).rename(columns={"unit": "role"})
    show(roles_table)
    widgets.downloads(roles_table, stem + "-roles", "dl_compare_roles")

elif shown == "Trend":
    point = st.selectbox("Leverage point", list(POINTS), index=len(POINTS) - 1, format_func=POINTS.get,
                         key="compare_trend_point")
    options = units_now.sort_values("n", ascending=False)["unit"].tolist()
    picked_units = st.multiselect(f"{unit_word.title()}s (up to 8)", options, default=options[:4], max_selections=8,
                                  key=f"compare_trend_units_{mode}")
    all_rounds = [r for r in rounds if r in set(scores["round"].dropna())]  # oldest first, by date
    rows = scores[scores["unit"].isin(picked_units) & (scores["leverage_point"] == point)]
    rows = pd.concat([rows, parent[parent["leverage_point"] == point].assign(unit=f"{parent_name} (all)")],
                     ignore_index=True)
    title = f"{heading}: mean score per round, {point} (1–5), by {unit_word}"
    fig = compare_data.cached_figure(("trend", key, mode, scope_key, pool, point, tuple(picked_units), min_n,
                                      title), lambda: trend_chart(rows, all_rounds, title))
    chart(fig, stem + f"-trend-{point}", "compare_trend")
    out = compare.public(rows)
    out = out.sort_values("round", key=lambda r: r.map({name: i for i, name in enumerate(all_rounds)}),
                          kind="stable") if "round" in out else out
    show(out)
    widgets.downloads(out, f"compare-trend-{parent_name}-{point}", "dl_compare_trend")

elif shown == "Funnel":
    point = st.selectbox("Leverage point", list(POINTS), index=len(POINTS) - 1, format_func=POINTS.get,
                         key="compare_funnel_point")
    units, curve = compare.funnel(scores, parent, round_name, point)
    title = f"{heading}, {round_name}: {point} mean per {unit_word} (1–5) against respondents (n)"
    fig = compare_data.cached_figure(("funnel", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: funnel_chart(units, curve, title))
    chart(fig, stem + f"-funnel-{point}", "compare_funnel")
    st.caption("Limits: mean ± z·SD/√n (z = 1.96 and 3.09), SD = spread of all respondents' scores in "
               f"{widgets.esc(parent_name)}. A {unit_word} outside the 99.8 % limits differs beyond chance; withheld "
               f"{unit_word}s are not plotted.")
    out = compare.public(units, extra=["position"])
    show(out)
    widgets.downloads(out, stem + f"-funnel-{point}", "dl_compare_funnel")

else:  # Statements
    point = st.selectbox("Leverage point", [p for p in POINTS if p != compare.OVERALL], format_func=POINTS.get,
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
    texts = {i.id: f"{i.id} {instrument.text(i.text, 'en')[:40]}…" for i in instrument.items}
    title = (f"{heading}, {round_name}: statements of {point}, mean minus the mean of {parent_name} "
             "(points on the 1–5 scale)")
    fig = compare_data.cached_figure(("items", key, mode, scope_key, round_name, pool, point, min_n, title),
                                     lambda: heat_map_chart(*compare.heat_tables(items, "item_id"), title,
                                                            value_label=f"Difference from {parent_name}"))
    chart(fig, stem + f"-statements-{point}", "compare_items")
    out = items[["unit", "item_id", "n", "mean", "sd", "ci_low", "ci_high", "difference", "dont_know_rate",
                 "status"]].assign(statement=items["item_id"].map(texts))
    show(out)
    widgets.downloads(out, stem + f"-statements-{point}", "dl_compare_items")
