"""Survey: the self-assessment from instrument to scores.

Owns: instruments as data files (`instrument`, `instruments/`), the long response format and its checks
(`responses`), importing response files (`imports`), scoring with the anonymity threshold inside
(`scoring`, with the fast group-bys of `aggregate` and the DuckDB engine of `score_duckdb`), the
interval of a group's mean on the 1–5 scale (`intervals`), rounds in date order and which came from a
workshop (`rounds`), confidentiality: the threshold and subtraction rule for one table (`suppression`),
the withheld set of a whole release decided once (`release`) by the linear-algebra and
linear-programming audit (`disclosure`, its linear programs handed to SciPy's HiGHS by `highs_lp`, both
loading SciPy's compiled parts without the rest of SciPy through `scipy_parts`), and
the `score` command's tables published from it (`published_scores`); the self-assessment's state machine
(`assessment`), the system-level measures a plan aims at (`measures`), the survey's charts (`charts`),
and the `Store` (`store`) over its repositories: organizations, departments and rounds
(`organizations`), submissions and plans (`submissions`), bulk import (`response_import`).

May import: `leverage.core`.
"""
