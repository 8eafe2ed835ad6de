"""System-level measures a board can aim at: IHI Whole System Measures (Martin, Nelson, Lloyd, Nolan; IHI 2007).

The self-assessment ends by choosing one or two of these (or the organization's own) to focus on,
which is the paper's stated purpose for its instrument.
"""

WHOLE_SYSTEM_MEASURES: tuple[str, ...] = (
    "Adverse events per 1,000 patient days",
    "Nonfatal occupational injuries and illnesses",
    "Hospital standardized mortality ratio (HSMR)",
    "Unadjusted raw mortality percentage",
    "Functional health outcomes score",
    "Hospital readmission percentage",
    "Reliability of core measures",
    "Patient experience score",
    "Days to third next available appointment",
    "Hospital days per decedent in the last six months of life",
    "Health care costs per capita",
    "Equity: measures stratified by race, ethnicity, language and income",
)
