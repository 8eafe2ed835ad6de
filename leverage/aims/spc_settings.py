"""The names of charts, rule sets and directions, and which rule set fits which chart (no heavy imports:
the command line lists them)."""



def N_(message: str) -> str:
    """Marks a name for translation (`leverage.core.i18n.N_`, not imported: the command line lists these
    names and must not pay for Babel); the pages and board pack show it through `_`."""
    return message


CHARTS = ("run", "xmr", "p", "u", "p_prime", "u_prime")
ATTRIBUTE_CHARTS = ("p", "u", "p_prime", "u_prime")
CHART_NAMES = {"run": N_("Run chart"), "xmr": N_("XmR chart (individuals)"), "p": N_("p chart"), "u": N_("u chart"),
               "p_prime": N_("Laney p′ chart"), "u_prime": N_("Laney u′ chart")}
RULE_SETS = ("ihi", "anhoej", "mdc")
RULE_SET_NAMES = {"ihi": "IHI (Health Care Data Guide)", "anhoej": "Anhøj", "mdc": "NHS Making Data Count"}
DEFAULT_RULES = {"run": "ihi", "xmr": "mdc", "p": "mdc", "u": "mdc", "p_prime": "mdc", "u_prime": "mdc"}
# Making Data Count defines its rules for charts with process limits only: a run chart read with them (seven
# and seven around the median, no runs analysis) is a combination no reference defines, so it is refused.
RULES_FOR_CHART = {chart: (("ihi", "anhoej") if chart == "run" else ("mdc", "ihi", "anhoej")) for chart in CHARTS}
DIRECTIONS = ("up", "down", "none")
RULE_SETS_DISPLAY = {"ihi": "IHI (ihi)", "anhoej": "Anhøj (anhoej)", "mdc": "Making Data Count (mdc)"}


def rules_problem(chart: str, rules: str) -> str | None:
    """Why `rules` cannot read a `chart` (None when it can); assumes both names are known."""
    if rules in RULES_FOR_CHART.get(chart, RULE_SETS):
        return None
    from leverage.core.i18n import _  # here, not at the top: listing the names must not load Babel

    allowed = _(" or ").join(RULE_SETS_DISPLAY[r] for r in RULES_FOR_CHART[chart])
    chart_name = _(CHART_NAMES[chart]).lower()
    return _("the {rules} rule set has no rules for a {chart} (it reads charts with process limits: XmR, p and u); "
             "read a {chart} with {allowed}").format(rules=RULE_SET_NAMES[rules], chart=chart_name, allowed=allowed)

