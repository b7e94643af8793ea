"""NHS Making Data Count: variation and assurance icon names for a :class:`QICResult`.

The names are NHSRplotthedots' icon names, so a report can show the same icons (drawn by
``spc.plotting``) and a board paper can quote them. Computation only: no drawing here.
"""

from __future__ import annotations

import pandas as pd

from spc.qic import QICResult

VARIATION_ICONS = (
    "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
    "neutral_high", "neutral_low",
)
ASSURANCE_ICONS = ("pass", "fail", "inconsistent")
_ASSURANCE_ICON = {"consistent_pass": "pass", "consistent_fail": "fail",
                   "inconsistent": "inconsistent"}


def variation_icon(point_type: str, improvement: str | None) -> str:
    """Icon name for the latest point's ``point_type`` (NHSRplotthedots ``ptd_get_icons``).

    >>> variation_icon("special_cause_concern", "increase")
    'concern_low'
    """
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


def facet_labels(res: QICResult, frame: pd.DataFrame) -> pd.Series:
    """A text label per row for the facet(s): the value, 'a | b' for two, or 'no facet'."""
    if not res.facets:
        return pd.Series("no facet", index=frame.index)
    return frame[res.facets].astype(str).agg(" | ".join, axis=1)


def mdc_icons(res: QICResult) -> pd.DataFrame:
    """One row per facet and icon: columns ``facet``, ``type`` (variation/assurance), ``icon``.

    The variation icon reflects only each facet's latest point; the assurance icon appears
    when a target was given and the assurance is defined (not for neutral direction).
    """
    d = res.data
    latest = d.groupby(res.facets, sort=False).tail(1) if res.facets else d.tail(1)
    improvement = res.options.get("improvement")
    rows = pd.DataFrame({
        "facet": facet_labels(res, latest).to_numpy(),
        "type": "variation",
        "icon": [variation_icon(p, improvement) for p in latest["point_type"]],
    })
    summary = res.summary()
    assured = summary[summary["assurance_type"].notna()]
    if len(assured):
        rows = pd.concat([rows, pd.DataFrame({
            "facet": facet_labels(res, assured).to_numpy(),
            "type": "assurance",
            "icon": assured["assurance_type"].map(_ASSURANCE_ICON).to_numpy(),
        })], ignore_index=True)
    return rows
