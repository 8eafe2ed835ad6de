"""Proof in the suite: over organizations of many shapes, no withheld cell's sum is in the span of the
published ones, across every table a release publishes and every `score --by`.

The linear model is the attacker's best case: the unknowns are the sums per department × role group and
statement; a published point score is taken as the sum of its statements and Overall as the sum of all
(exact when everyone answers everything, so the test assumes it always is); every n is known. A withheld
cell is safe when its own sum is not a linear combination of the published sums (the rank test).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leverage.core.columns import GROUP_COLUMNS
from leverage.survey import published_scores, release
from leverage.survey.scoring import score_table

POINTS = [f"LP{p}" for p in range(1, 8)]
ITEMS = {p: [f"{p}.1", f"{p}.2"] for p in POINTS}


@st.composite
def organizations(draw, organizations=(1, 1), rounds=(1, 1)):
    """Long-format answers: departments and roles of uneven (often tiny) sizes, some don't-know."""
    min_n = draw(st.sampled_from([3, 5]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(draw(st.integers(*organizations))):
        for r in range(draw(st.integers(*rounds))):
            departments = draw(st.integers(1, 5))
            roles = draw(st.integers(1, 4))
            sizes = draw(st.lists(st.sampled_from([0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12]),
                                  min_size=departments * roles, max_size=departments * roles))
            dont_know = draw(st.sampled_from([0.0, 0.05, 0.3]))
            extreme = draw(st.booleans())  # everyone answers 4 or 5: means near the scale's end
            for (d, role), size in zip(itertools.product(range(departments), range(roles)), sizes, strict=True):
                for k in range(size):
                    rid = f"o{o}r{r}d{d}x{role}-{k}"
                    for point, items in ITEMS.items():
                        for item in items:
                            value = None if rng.random() < dont_know else int(rng.integers(4 if extreme else 1, 6))
                            rows.append((f"Org{o}", f"D{d}" if d or departments == 1 else None, f"role{role}",
                                         f"R{r}", rid, item, point, value))
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int8")
    return frame, min_n


def _in_span(published: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    """Per withheld row: True when it is a linear combination of the published rows, other than a copy of
    one (a withheld group whose answers in that measure are exactly a published group's: the others in
    the published group have none there, so withholding it hides nothing and showing it adds nothing)."""
    if withheld.shape[0] == 0:
        return np.zeros(0, bool)
    if published.shape[0]:
        copies = (np.abs(withheld[:, None, :] - published[None, :, :]).sum(axis=2) == 0).any(axis=1)
        return _span(published, withheld) & ~copies
    return _span(published, withheld)


def _span(published: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    if published.shape[0] == 0:
        return np.linalg.norm(withheld, axis=1) < 1e-9
    _u, s, vt = np.linalg.svd(published, full_matrices=False)
    basis = vt[s > 1e-9 * s[0]]
    residual = withheld - (withheld @ basis.T) @ basis
    return np.linalg.norm(residual, axis=1) < 1e-7


def _release_cells(answers: pd.DataFrame, rel: release.Release, min_n: int):
    """Every cell the release publishes or withholds, as (functional, withheld) over the unknowns."""
    frame = answers.assign(department=answers["department"].map(release.department_key))
    scored = frame.dropna(subset=["value"])
    counts = scored.groupby(["department", "role", "item_id"]).size()
    unknowns = list(counts.index)  # (department, role, item) with someone scoring it
    column = {u: i for i, u in enumerate(unknowns)}
    atoms = sorted({(d, r) for d, r, _ in unknowns})
    person_points = scored.groupby(["department", "role", "respondent_id", "leverage_point"]).size().reset_index()
    n_point = person_points.groupby(["department", "role", "leverage_point"]).size()
    n_people = scored.groupby(["department", "role"])["respondent_id"].nunique()
    departments = sorted({d for d, _ in atoms})
    roles = sorted({r for _, r in atoms})
    boxes = [((release.TOTAL, "", ""), atoms)]
    boxes += [((release.DEPARTMENT, d, ""), [a for a in atoms if a[0] == d]) for d in departments]
    boxes += [((release.ROLE, "", r), [a for a in atoms if a[1] == r]) for r in roles]
    boxes += [((release.DEPARTMENT_ROLE, d, r), [(d, r)]) for d, r in atoms]
    if rel.pool:
        boxes.append(((release.POOL, "", ""), [a for a in atoms if a[0] in rel.pool]))
    rows, hidden, labels = [], [], []
    for key, members in boxes:
        pool_alias = key[0] == release.POOL and len(rel.pool) == 1
        withheld_box = rel.withheld(release.DEPARTMENT, rel.pool[0]) if pool_alias else rel.withheld(*key)
        measures = [(p, ITEMS[p], n_point) for p in POINTS] + [("Overall", sum(ITEMS.values(), []), n_people)]
        for point, items, counter in measures:
            n = sum(int(counter.get((a[0], a[1], point) if point != "Overall" else a, 0)) for a in members)
            if n == 0:
                continue
            vector = np.zeros(len(unknowns))
            for a in members:
                for item in items:
                    if (a[0], a[1], item) in column:
                        vector[column[(a[0], a[1], item)]] = 1.0
            rows.append(vector)
            hidden.append(n < min_n or withheld_box)
            labels.append((key, point, n))
        if key[0] in (release.TOTAL, release.DEPARTMENT, release.POOL):  # statements: Results and Compare
            for point, items in ITEMS.items():
                items_hidden = (rel.items_withheld(release.DEPARTMENT, point, rel.pool[0]) if pool_alias
                                else rel.items_withheld(key[0], point, key[1], key[2]))
                for item in items:
                    n = sum(int(counts.get((a[0], a[1], item), 0)) for a in members)
                    if n == 0:
                        continue
                    vector = np.zeros(len(unknowns))
                    for a in members:
                        if (a[0], a[1], item) in column:
                            vector[column[(a[0], a[1], item)]] = 1.0
                    rows.append(vector)
                    hidden.append(n < min_n or items_hidden)
                    labels.append((key, item, n))
    _release_cells.labels = labels
    return np.array(rows), np.array(hidden, bool)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(organizations())
def test_no_withheld_cell_of_a_release_is_in_the_span_of_the_published_ones(case):
    answers, min_n = case
    rel = release.decide_answers(answers, min_n)
    matrix, hidden = _release_cells(answers, rel, min_n)
    leaks = _in_span(matrix[~hidden], matrix[hidden])
    assert not leaks.any(), f"{int(leaks.sum())} withheld cell(s) recoverable"


def _score_cells(answers: pd.DataFrame, min_n: int):
    """Every row of every `score --by`, as (functional over organization × round × department × role ×
    point, suppressed)."""
    table = pa.Table.from_pandas(answers, preserve_index=False)
    finest = score_table(table, list(GROUP_COLUMNS), 1)
    atoms = published_scores.atoms_from_scores(finest).reset_index(drop=True)
    decided = release.decide_all(atoms, min_n)
    atoms["atom"] = np.arange(len(atoms))
    blocks, hidden = [], []
    for size in range(len(GROUP_COLUMNS) + 1):
        for by in itertools.combinations(GROUP_COLUMNS, size):
            out = published_scores.publish(finest, list(by), min_n, decided).to_pandas()
            out["row"] = np.arange(len(out))
            if "department" in by:
                out["department"] = out["department"].map(release.department_key)
            kind = release.kind_of(by)
            atoms["box_hidden"] = [decided[(o, r)].withheld(*release.box_key(kind, d, ro)) for o, r, d, ro in
                                   zip(atoms["organization"], atoms["round"], atoms["department"], atoms["role"],
                                       strict=True)]
            pairs = out.merge(atoms, on=[*by, "leverage_point"])
            pairs = pairs[pairs["suppressed"] | ~pairs["box_hidden"]]  # a published row holds published parts
            matrix = np.zeros((len(out), len(atoms)))
            matrix[pairs["row"].to_numpy(), pairs["atom"].to_numpy()] = 1.0
            blocks.append(matrix)
            hidden.extend(out["suppressed"].astype(bool).tolist())
    return np.vstack(blocks), np.array(hidden, bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(organizations(organizations=(1, 2), rounds=(1, 2)))
def test_the_union_of_every_score_by_reveals_no_withheld_group(case):
    answers, min_n = case
    matrix, hidden = _score_cells(answers, min_n)
    leaks = _in_span(matrix[~hidden], matrix[hidden])
    assert not leaks.any(), f"{int(leaks.sum())} suppressed row(s) recoverable"
