"""safety-spc: statistical process control for patient safety collaboratives.

>>> import spc
>>> res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u")  # doctest: +SKIP
"""

from spc._version import __version__
from spc.data.catalogue import CatalogueError, measures
from spc.data.examples import load_example
from spc.data.problems import DataValidationError, ValidationReport
from spc.data.tidy import load, validate
from spc.describe import describe
from spc.engine.limits import CHARTS
from spc.engine.mdc import mdc_icons, variation_icon
from spc.engine.measure_chart import chart_measure
from spc.engine.pipeline import QICResult, qic, summarise
from spc.engine.rules import PRESETS, RULES, RuleOptions
from spc.errors import SPCError, SPCWarning
from spc.explore import explore
from spc.plotting import funnel, plot, plot_facets, save

__all__ = [
    "CHARTS",
    "PRESETS",
    "RULES",
    "CatalogueError",
    "DataValidationError",
    "QICResult",
    "RuleOptions",
    "SPCError",
    "SPCWarning",
    "ValidationReport",
    "__version__",
    "chart_measure",
    "describe",
    "explore",
    "funnel",
    "load",
    "load_example",
    "mdc_icons",
    "measures",
    "plot",
    "plot_facets",
    "qic",
    "save",
    "summarise",
    "validate",
    "variation_icon",
]
