"""Streamlit-side helpers shared by the pages: state, cached reads and widgets. Pages import from here."""
