"""The names of charts, rule sets and directions (no heavy imports: the command line lists them)."""

CHARTS = ("run", "xmr", "p", "u", "p_prime", "u_prime")
ATTRIBUTE_CHARTS = ("p", "u", "p_prime", "u_prime")
CHART_NAMES = {"run": "Run chart", "xmr": "XmR chart (individuals)", "p": "p chart", "u": "u chart",
               "p_prime": "Laney p′ chart", "u_prime": "Laney u′ chart"}
RULE_SETS = ("ihi", "anhoej", "mdc")
RULE_SET_NAMES = {"ihi": "IHI (Health Care Data Guide)", "anhoej": "Anhøj", "mdc": "NHS Making Data Count"}
DEFAULT_RULES = {"run": "ihi", "xmr": "mdc", "p": "mdc", "u": "mdc", "p_prime": "mdc", "u_prime": "mdc"}
DIRECTIONS = ("up", "down", "none")
