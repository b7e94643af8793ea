"""NHS Making Data Count: variation and assurance icon names for a :class:`QICResult`.

The names are NHSRplotthedots' icon names, so a report can show the same icons (drawn by
``spc.plotting``) and a board paper can quote them. Computation only: no drawing here.
"""

from __future__ import annotations

import pandas as pd

from spc.engine.pipeline import QICResult, _assurance

VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS = ("pass", "fail", "inconsistent")
_ASSURANCE_ICON = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "inconsistent",
}


def variation_icon(point_type: object, improvement: object = None) -> str | None:
    """Icon name for the latest point's ``point_type`` (NHSRplotthedots ``ptd_get_icons``);
    ``None`` for a missing point type.

    >>> variation_icon("special_cause_concern", "increase")
    'concern_low'
    """
    if not isinstance(point_type, str) or not point_type:
        return None
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
    return _ASSURANCE_ICON.get(assurance_type) if isinstance(assurance_type, str) else None


def latest_assurance(rows: pd.DataFrame, improvement: str | None) -> str | None:
    """Assurance icon of the last row of ``rows`` (one facet of a result frame): the same
    rule as ``QICResult.summary()``, from the frame's own target and limits."""
    if "target" not in rows or rows.empty or pd.isna(rows["target"].iloc[-1]):
        return None
    return assurance_icon(_assurance(rows.tail(1), improvement).iloc[0])


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
    rows = pd.DataFrame(
        {
            "facet": facet_labels(res, latest).to_numpy(),
            "type": "variation",
            "icon": [variation_icon(p, improvement) for p in latest["point_type"]],
        }
    )
    summary = res.summary()
    assured = summary[summary["assurance_type"].notna()]
    if len(assured):
        rows = pd.concat(
            [
                rows,
                pd.DataFrame(
                    {
                        "facet": facet_labels(res, assured).to_numpy(),
                        "type": "assurance",
                        "icon": [assurance_icon(a) for a in assured["assurance_type"]],
                    }
                ),
            ],
            ignore_index=True,
        )
    return rows
