"""NHS Making Data Count: variation and assurance icon keys, and the assurance verdict.

The icon names are NHSRplotthedots' (``ptd_get_icons``), so a report can show the same icons
(drawn by ``spc.plotting``, written as SVG by ``spc.text.icons``) and a board paper can quote
them. Computation only: no drawing, and nothing from the pipeline (``spc.engine.result``
builds on this module, never the other way round).

>>> variation_icon("special_cause_improvement", "decrease")
'improvement_low'
>>> assurance_icon("consistent_pass")
'pass'
"""

from __future__ import annotations

import pandas as pd

VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
    # not Making Data Count's: a phase signal (too few crossings) gives no direction, and a
    # chart of too few events no run-based verdict (docs/verdicts.md)
    "unstable",
    "too_few_events",
)
ASSURANCE_ICONS = ("pass", "fail", "inconsistent")
#: Summary ``assurance_type`` -> assurance icon key.
ASSURANCE_ICON = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "inconsistent",
}


def variation_icon(point_type: object, improvement: object = None) -> str | None:
    """Icon name for the latest point's ``point_type`` or a summary's ``variation_type``
    (NHSRplotthedots ``ptd_get_icons``, plus ``unstable`` and ``too_few_events``); ``None`` for
    a missing one.

    >>> variation_icon("special_cause_concern", "increase")
    'concern_low'
    """
    if not isinstance(point_type, str) or not point_type:
        return None
    if point_type in ("unstable", "too_few_events"):
        return point_type
    if point_type == "special_cause_neutral_high":
        return "neutral_high"
    if point_type == "special_cause_neutral_low":
        return "neutral_low"
    up = improvement == "increase"
    if point_type == "special_cause_improvement":
        return "improvement_high" if up else "improvement_low"
    if point_type == "special_cause_concern":
        return "concern_low" if up else "concern_high"
    return "common_cause"


def assurance_icon(assurance_type: object) -> str | None:
    """Icon name for a summary ``assurance_type`` (``None`` when there is none)."""
    return ASSURANCE_ICON.get(assurance_type) if isinstance(assurance_type, str) else None


def assurance_types(latest: pd.DataFrame, improvement: str | None) -> pd.Series:
    """Making Data Count assurance (``consistent_pass``, ``consistent_fail``,
    ``inconsistent``) from each facet's latest point: where its target lies against its limits.
    Missing without a direction of improvement."""
    out = pd.Series(pd.NA, index=latest.index, dtype="object")
    if improvement not in ("increase", "decrease"):
        return out
    target, lcl, ucl = latest["target"], latest["lcl"], latest["ucl"]
    above = target > ucl
    below = target < lcl
    out[:] = "inconsistent"
    good_if_above = "consistent_fail" if improvement == "increase" else "consistent_pass"
    good_if_below = "consistent_pass" if improvement == "increase" else "consistent_fail"
    out[above] = good_if_above
    out[below] = good_if_below
    return out


def latest_assurance(rows: pd.DataFrame, improvement: str | None) -> str | None:
    """Assurance icon of the last row of ``rows`` (one facet of a result frame): the same
    rule as ``QICResult.summary()``, from the frame's own target and limits."""
    if "target" not in rows or rows.empty or pd.isna(rows["target"].iloc[-1]):
        return None
    return assurance_icon(assurance_types(rows.tail(1), improvement).iloc[0])
