"""safety-spc: statistical process control for patient safety collaboratives.

>>> import spc
>>> res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u")  # doctest: +SKIP

The names below load their modules when first used (PEP 562): ``import spc`` is quick and
imports neither pandas nor matplotlib, so a process that only needs a part of the toolkit
(a render worker runs papermill and nbconvert, not the engine) does not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from spc._version import __version__
from spc.errors import (
    DataWarning,
    IgnoredSettingWarning,
    SPCError,
    SPCWarning,
    TrialLimitsWarning,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
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
    from spc.interactive import explore
    from spc.plotting import funnel, plot, plot_facets, save
    from spc.text.describe import describe

#: Where each name of the public API lives (loaded on first use).
_LAZY = {
    "CatalogueError": "spc.data.catalogue",
    "measures": "spc.data.catalogue",
    "load_example": "spc.data.examples",
    "DataValidationError": "spc.data.problems",
    "ValidationReport": "spc.data.problems",
    "load": "spc.data.tidy",
    "validate": "spc.data.tidy",
    "CHARTS": "spc.engine.limits",
    "variation_icon": "spc.engine.mdc",
    "chart_measure": "spc.engine.measure_chart",
    "qic": "spc.engine.pipeline",
    "QICResult": "spc.engine.result",
    "mdc_icons": "spc.engine.result",
    "summarise": "spc.engine.result",
    "RULES": "spc.engine.rules",
    "RuleOptions": "spc.engine.rules",
    "explore": "spc.interactive",
    "funnel": "spc.plotting",
    "plot": "spc.plotting",
    "plot_facets": "spc.plotting",
    "save": "spc.plotting",
    "describe": "spc.text.describe",
}

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
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # looked up once
        return value
    # ``PRESETS`` was the first name of ``RULES`` (rule-set name -> RuleSet); kept importable.
    if name == "PRESETS":
        import warnings

        warnings.warn("spc.PRESETS is deprecated; use spc.RULES", DeprecationWarning, stacklevel=2)
        return __getattr__("RULES")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
