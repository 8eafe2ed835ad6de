"""Compare: departments and organizations side by side, at national scale.

Owns: the cube of sufficient statistics built once from answers (`cube`), every comparison view as a
re-aggregation of it with the confidentiality rules applied (`views`: units, pooling, heat tables,
funnel, roles, perception gaps, statements), their charts (`charts`), and the parquet sources and
uploads compared beside the store (`sources`).

May import: `leverage.core`, `leverage.survey`.
"""
