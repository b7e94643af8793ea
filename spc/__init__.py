"""safety-spc: statistical process control for patient safety collaboratives.

>>> import spc
>>> res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u", multiply=1000)  # doctest: +SKIP
"""

from spc._version import __version__
from spc.charts import CHARTS
from spc.errors import SPCError, SPCWarning
from spc.mdc import mdc_icons, variation_icon
from spc.qic import QICResult, qic, summarise
from spc.rules import PRESETS, RULES, RuleOptions

__all__ = [
    "CHARTS",
    "PRESETS",
    "RULES",
    "QICResult",
    "RuleOptions",
    "SPCError",
    "SPCWarning",
    "__version__",
    "mdc_icons",
    "qic",
    "summarise",
    "variation_icon",
]
