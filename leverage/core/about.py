"""The app's version and the citation every page, export and board pack carries."""

__version__ = "0.1.0"

CITATION = (
    "Reinertsen JL, Bisognano M, Pugh MD. Seven Leadership Leverage Points for Organization-Level "
    "Improvement in Health Care (Second Edition). IHI Innovation Series white paper. Cambridge, MA: "
    "Institute for Healthcare Improvement; 2008."
)
