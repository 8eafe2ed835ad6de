"""Workshops: live sessions answered on phones, with the anonymity threshold in every view.

Owns: the states and words of a workshop (`states`), the facilitator's actions from creating to ending
it (`facilitation`), what a phone may do (`participation`), live counts and results (`results`), the
`Workshops` object that joins them (`service`), join codes, tokens and throttling (`joincode`), and QR
codes for the join link (`qr`).

May import: `leverage.core`, `leverage.survey`.
"""
