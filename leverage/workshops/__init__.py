"""Workshops: live sessions answered on phones, with the anonymity threshold in every view.

Owns: the states and words of a workshop (`states`), the facilitator's actions on points (`facilitation`)
and the end into a round (`ending`), what a phone may do (`participation`), what the live views read
(`results`), the versions a server's phones follow, shared and long-polled (`live_versions`), when results
are published and what the room may see (`disclosure`), the projector's slides (`presentation`), the
`Workshops` object that joins them (`service`), join codes, tokens and throttling (`joincode`), and QR
codes for the join link (`qr`).

May import: `leverage.core`, `leverage.survey`.
"""
