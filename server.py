"""The server: Streamlit's App running dashboard.py, plus one route of our own, the phones' long poll for
their workshop's version (ui/live_route.py). `python -m leverage run` (scripts/run, scripts/serve) starts
this file with `streamlit run`, which finds `app` and serves it with the shipped .streamlit/config.toml."""

from pathlib import Path

import streamlit as st

from ui import live_route, nodelay

nodelay.install()  # Streamlit's server leaves Nagle's algorithm on: every rerun arrived ~40 ms late (ui/nodelay.py)
app = st.App(Path(__file__).with_name("dashboard.py"), routes=live_route.routes())
