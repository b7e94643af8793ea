"""safety-spc: statistical process control for patient safety collaboratives.

>>> import spc
>>> res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u")  # doctest: +SKIP
"""

from spc._version import __version__
from spc.data.catalogue import CatalogueError, measures
from spc.data.examples import load_example
from spc.data.problems import DataValidationError, ValidationReport
from spc.data.tidy import load, validate
from spc.engine.limits import CHARTS
from spc.engine.mdc import variation_icon
from spc.engine.measure_chart import chart_measure
from spc.engine.pipeline import qic
from spc.engine.result import QICResult, mdc_icons, summarise
from spc.engine.rules import RULES, RuleOptions
from spc.errors import (
    DataWarning,
    IgnoredSettingWarning,
    SPCError,
    SPCWarning,
    TrialLimitsWarning,
)
from spc.interactive import explore
from spc.plotting import funnel, plot, plot_facets, save
from spc.text.describe import describe

__all__ = [
    "CHARTS",
    "RULES",
    "CatalogueError",
    "DataValidationError",
    "DataWarning",
    "IgnoredSettingWarning",
    "QICResult",
    "RuleOptions",
    "SPCError",
    "SPCWarning",
    "TrialLimitsWarning",
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


def __getattr__(name: str) -> object:
    # ``PRESETS`` was the first name of ``RULES`` (rule-set name -> RuleSet); kept importable.
    if name == "PRESETS":
        import warnings

        warnings.warn("spc.PRESETS is deprecated; use spc.RULES", DeprecationWarning, stacklevel=2)
        return RULES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
