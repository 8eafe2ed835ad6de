"""The integer-code group-bys under scoring and comparisons: codes, derived keys, dense counts, masks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leverage.compare.cube import build_cube
from leverage.survey.aggregate import Codes, count, equal_mask, group, respondent_scores
from leverage.survey.scoring import score_table


def table() -> pa.Table:
    # Two chunks with different dictionaries, a null department, the same text under different codes.
    first = pa.table({"org": pa.array(["A", "A", "B"]).dictionary_encode(),
                      "dept": pa.array(["x", None, "y"]).dictionary_encode(),
                      "v": pa.array([1, 2, 3], pa.int8())})
    second = pa.table({"org": pa.array(["B", "A", "B"]).dictionary_encode(),
                       "dept": pa.array(["y", "x", None]).dictionary_encode(),
                       "v": pa.array([4, None, 6], pa.int8())})
    return pa.concat_tables([first, second])


def test_codes_give_equal_text_one_code_across_chunks_and_null_its_own():
    codes = Codes(table(), ["org", "dept"])
    org = codes.decode(codes.codes, ["org"])["org"].to_pylist()
    assert org == ["A", "A", "B", "B", "A", "B"]
    assert codes.decode(codes.codes, ["dept"])["dept"].to_pylist() == ["x", None, "y", "y", "x", None]


def test_group_sums_per_combination_and_later_keys_are_derived_not_recombined():
    t = table()
    codes = Codes(t, ["org", "dept"])
    keys, (total, n) = group(codes, ["org", "dept"], {"v": t.column("v")}, [("v", "sum"), ("v", "count")])
    got = {(o, d): (s, c) for o, d, s, c in zip(codes.decode(keys, ["org", "dept"])["org"].to_pylist(),
                                                 codes.decode(keys, ["org", "dept"])["dept"].to_pylist(),
                                                 total.to_pylist(), n.to_pylist(), strict=True)}
    assert got == {("A", "x"): (1, 1), ("A", None): (2, 1), ("B", "y"): (7, 2), ("B", None): (6, 1)}
    # Dropping a column from an earlier group's keys: derived arithmetically, same result as splitting.
    derived = codes.key(["org"], keys)
    assert np.array_equal(derived, keys["org"].astype(np.int64))
    by_org, (total_org,) = group(codes, ["org"], {"s": total}, [("s", "sum")], source=keys)
    assert dict(zip(codes.decode(by_org, ["org"])["org"].to_pylist(), total_org.to_pylist(), strict=True)) == \
        {"A": 3, "B": 13}


def test_dense_count_matches_hashing():
    t = table()
    codes = Codes(t, ["org", "dept"])
    keys, counts = count(codes, ["org", "dept"])
    pairs = dict(zip(zip(codes.decode(keys, ["org", "dept"])["org"].to_pylist(),
                         codes.decode(keys, ["org", "dept"])["dept"].to_pylist(), strict=True), counts.tolist(),
                     strict=True))
    assert pairs == {("A", "x"): 2, ("A", None): 1, ("B", "y"): 2, ("B", None): 1}


def test_equal_mask_on_dictionary_and_plain_text():
    t = table()
    assert equal_mask(t.column("org"), "B").to_pylist() == [False, False, True, True, False, True]
    assert equal_mask(t.column("org"), "Z").to_pylist() == [False] * 6
    plain = pa.chunked_array([pa.array(["B", None])])
    assert equal_mask(plain, "B").to_pylist() == [True, False]
    assert pc.sum(equal_mask(t.column("dept"), "y")).as_py() == 2


def answers(shared_ids: bool) -> pa.Table:
    """Two organizations; with `shared_ids` both number their respondents r0, r1, … (the hashing path)."""
    rng = np.random.default_rng(3)
    rows = []
    for org in ["A", "B"]:
        for r in range(12):
            rid = f"r{r}" if shared_ids else f"{org}-r{r}"
            for item in ["LP1.1", "LP1.2", "LP2.1"]:
                value = None if rng.random() < 0.2 else int(rng.integers(1, 6))
                rows.append((org, ["x", "y", None][r % 3], ["board", "nursing"][r % 2], "R1", rid, item,
                             item.split(".")[0], value))
    names = ["organization", "department", "role", "round", "respondent_id", "item_id", "leverage_point", "value"]
    columns = list(zip(*rows, strict=True))
    return pa.table({n: pa.array(c, pa.int8() if n == "value" else pa.string()) for n, c in zip(names, columns,
                                                                                             strict=True)})


def test_counting_and_hashing_paths_agree():
    shared, unique = answers(True), answers(False)
    person = ["organization", "round", "respondent_id", "department", "role"]
    assert respondent_scores(Codes(shared, [*person, "leverage_point"]), shared.column("value"), person) is None
    assert respondent_scores(Codes(unique, [*person, "leverage_point"]), unique.column("value"), person) is not None
    by = ["organization", "department", "role"]
    hashed, counted = score_table(shared, by), score_table(unique, by)
    assert hashed.drop_columns(["mean", "sd"]).equals(counted.drop_columns(["mean", "sd"]))
    assert np.allclose(hashed["mean"].to_numpy(zero_copy_only=False), counted["mean"].to_numpy(zero_copy_only=False),
                       equal_nan=True)
    keys = ["organization", "round", "department", "role", "leverage_point"]
    a = build_cube(shared).points.sort_values(keys, key=lambda s: s.astype(str)).reset_index(drop=True)
    b = build_cube(unique).points.sort_values(keys, key=lambda s: s.astype(str)).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_pair_counts_on_dictionary_chunks_and_plain_text_agree():
    """Chunks with their own dictionaries (as parquet row groups are read), nulls included, give the counts a
    plain-text table gives through the global codes; both equal a hand count."""
    import pyarrow as pa

    from leverage.survey.aggregate import pair_counts

    org = pa.chunked_array([pa.array(["A", "B", "A", None]).dictionary_encode(),
                            pa.array(["C", "A", "A"]).dictionary_encode()])
    rnd = pa.chunked_array([pa.array(["r1", "r1", "r2", "r1"]).dictionary_encode(),
                            pa.array(["r2", "r2", None]).dictionary_encode()])
    expected = {("A", "r1"): 1, ("B", "r1"): 1, ("A", "r2"): 2, (None, "r1"): 1, ("C", "r2"): 1, ("A", None): 1}
    table = pa.table({"organization": org, "round": rnd})
    assert pair_counts(table, "organization", "round") == expected
    plain = pa.table({"organization": org.cast(pa.string()), "round": rnd.cast(pa.string())})
    assert pair_counts(plain, "organization", "round") == expected
