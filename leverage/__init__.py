"""Leverage: the Seven Leadership Leverage Points as working software.

This package holds the framework, storage, scoring and statistics. It never imports Streamlit,
so everything here runs the same from the app, the command line and the tests.
"""

__version__ = "0.1.0"

CITATION = (
    "Reinertsen JL, Bisognano M, Pugh MD. Seven Leadership Leverage Points for Organization-Level "
    "Improvement in Health Care (Second Edition). IHI Innovation Series white paper. Cambridge, MA: "
    "Institute for Healthcare Improvement; 2008."
)
