"""Aims: the board's system-level aims and how their data is read.

Owns: what an aim is and its checks (`register`), their storage with measurements and annotations
(`repository`), reading and checking a measurement series (`measurements`), run and SPC charts with
every rule (`spc`, names in `spc_settings`), the projection to the deadline (`projection`, with its
prediction interval in `prediction`), the Making
Data Count icons and colours (`icons`), one aim as a board reads it with its questions to ask
(`view`), and the SPC chart figure (`charts`).

May import: `leverage.core`, `leverage.survey`.
"""
