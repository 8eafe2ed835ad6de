"""Compare: departments and organizations side by side, at national scale.

Owns: the cube of sufficient statistics built once from answers (`cube`), every comparison view as a
re-aggregation of it with the confidentiality rules applied (`views`: units, pooling, heat tables,
funnel, roles, perception gaps, statements), their charts (`charts`), the parquet sources and
uploads compared beside the store (`sources`), and other organizations as anonymous peer figures with
the scoping of views to what a person may see (`peers`).

May import: `leverage.core`, `leverage.survey`.
"""
