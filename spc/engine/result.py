"""The result of :func:`spc.qic`: a tidy frame, the options that made it, and its summaries.

``QICResult.data`` has one row per facet and x (``docs/result-frame.md``); ``summary()`` one row
per facet and part; :func:`mdc_icons` the Making Data Count icons of each facet. Drawing and
captions are the layers above: ``res.plot()`` and ``res.describe()`` import them only when
called, so the engine never depends on matplotlib or on the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spc.engine._segments import group_starts, seg_nanmean
from spc.engine.mdc import assurance_icon, assurance_types, variation_icon

__all__ = ["QICResult", "facet_labels", "mdc_icons", "summarise"]


@dataclass
class QICResult:
    """The result of :func:`qic`: a tidy frame plus the options it was computed with.

    ``data`` has one row per facet and x (columns documented in ``docs/result-frame.md``).
    """

    data: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    #: One row per facet: the verdict about the facet's latest state, when a caller (such as
    #: ``spc.chart_measure``) judged it (``spc.engine.verdict``); None otherwise.
    verdicts: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    _summary: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def facets(self) -> list[str]:
        """The facet column names (empty list when there are none)."""
        return list(self.options.get("facet", []))

    def summary(self) -> pd.DataFrame:
        """One row per facet and part (two when the part's later points are ``judged`` against
        its baseline): centre, average limits, runs and signal counts.

        Includes ``variation_type`` (the latest point's point type; ``unstable`` when it has no
        point signal but its stretch has a phase signal such as too few crossings;
        ``too_few_events`` when run rules were off for lack of events; on each facet's last row
        the verdict of ``verdicts`` when there is one) and ``assurance_type`` (only on each
        facet's last part, with a target and a direction).
        """
        if self._summary is None:
            self._summary = summarise(self)
        return self._summary.copy()

    def describe(self, **kwargs: Any) -> Any:
        """Plain-English reading of the chart for each facet (see ``spc.describe``)."""
        from spc.text.describe import describe

        return describe(self, **kwargs)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the chart with matplotlib and return the Axes (see ``spc.plotting.plot``)."""
        from spc.plotting import plot

        return plot(self, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        chart = self.options.get("chart", "")
        head = f"<p><b>safety-spc {chart} chart</b>: {len(self.data)} points</p>"
        return head + self.summary().to_html(index=False, na_rep="", float_format="{:.4g}".format)


def summarise(res: QICResult) -> pd.DataFrame:
    """Summary of a :class:`QICResult`: one row per facet and part (see ``QICResult.summary``).

    Rows of ``res.data`` are contiguous per facet and part, so every statistic is a per-segment
    reduction with numpy (fast enough to call once per chart in a 40-team batch).
    """
    d = res.data
    facets = res.facets
    size = len(d)
    keys = [*facets, "part", *(["judged"] if "judged" in d else [])]
    new = group_starts([d[key].to_numpy() for key in keys])
    seg = np.cumsum(new) - 1
    nseg = int(seg[-1]) + 1 if size else 0
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, size - 1) if size else first
    every = np.ones(size, dtype=bool)

    def col(name: str) -> np.ndarray:
        return d[name].to_numpy()

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(seg, weights=mask.astype(float), minlength=nseg).astype(np.int64)

    out = {k: col(k)[first] for k in facets}
    out |= {
        "part": col("part")[first],
        **({"judged": col("judged")[first]} if "judged" in d else {}),
        "n": np.bincount(seg, minlength=nseg),
        "n_obs": col("n_obs")[first],
        "n_useful": col("n_useful")[first],
        "longest_run": col("longest_run")[first],
        "longest_run_max": col("longest_run_max")[first],
        "n_crossings": col("n_crossings")[first],
        "n_crossings_min": col("n_crossings_min")[first],
        "runs_signal": col("runs_signal")[first],
    }
    for name, source in (
        ("a_lcl", "lcl"),
        ("a_lcl_95", "lcl_95"),
        ("cl", "cl"),
        ("a_ucl_95", "ucl_95"),
        ("a_ucl", "ucl"),
    ):
        out[name] = seg_nanmean(col(source).astype(float), seg, nseg, every)
    out["sigma_signal"] = count(col("sigma_signal"))
    for name in (c for c in d.columns if c.startswith("rule_")):
        out[name] = count(col(name))
    point_type = d["point_type"].astype(str).to_numpy()
    # common_cause counts every point that is not a special cause, as NHSRplotthedots does.
    out["common_cause"] = out["n"] - count(col("signal"))
    out["special_cause_improvement"] = count(point_type == "special_cause_improvement")
    out["special_cause_concern"] = count(point_type == "special_cause_concern")
    out["variation_type"] = _variation_types(d, point_type, last)
    assurance = np.full(nseg, None, dtype=object)
    if res.options.get("target") is not None and nseg:
        facet_last = np.ones(nseg, dtype=bool)  # the last part of each facet
        for key in facets:
            values = col(key)[first]
            facet_last[:-1] &= values[1:] == values[:-1]
        facet_last = ~facet_last
        facet_last[-1] = True
        latest = d.iloc[last[facet_last]]
        assurance[facet_last] = assurance_types(latest, res.options.get("improvement")).to_numpy()
    out["assurance_type"] = pd.array(assurance, dtype="object")
    summary = pd.DataFrame(out)
    summary["assurance_type"] = summary["assurance_type"].where(
        summary["assurance_type"].notna(), pd.NA
    )
    if res.verdicts is not None and len(summary):
        _apply_verdicts(summary, res.verdicts, facets)
    return summary


def _variation_types(d: pd.DataFrame, point_type: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The latest point's type per stretch, or a phase-level verdict when it has none."""
    out = point_type[last].astype(object)
    common = out == "common_cause"
    if "phase_signal" in d:
        out[common & d["phase_signal"].to_numpy(bool)[last]] = "unstable"
    if "too_few_events" in d:
        out[common & d["too_few_events"].to_numpy(bool)[last]] = "too_few_events"
    return out


def _apply_verdicts(summary: pd.DataFrame, verdicts: pd.DataFrame, facets: list[str]) -> None:
    """Each facet's last summary row takes the facet's verdict.

    Keys and the new column are built whole (a collaborative summary has a row per team and
    part: one ``iloc`` assignment per row took 14 s of a 1,000-team render)."""
    is_last = np.ones(len(summary), dtype=bool)
    if facets:
        keys = _facet_keys(summary, facets)
        is_last[:-1] = keys[1:] != keys[:-1]
        lookup = dict(zip(_facet_keys(verdicts, facets), verdicts["variation_type"], strict=True))
        values = [lookup.get(k) for k in keys[is_last]]
    else:
        is_last[:-1] = False
        values = [verdicts["variation_type"].iloc[0]]
    column = summary["variation_type"].to_numpy(dtype=object, copy=True)
    for row, value in zip(np.flatnonzero(is_last), values, strict=True):
        if isinstance(value, str):
            column[row] = value
    summary["variation_type"] = column


def _facet_keys(frame: pd.DataFrame, facets: list[str]) -> np.ndarray:
    """One text key per row: the facet values as text, joined by a unit separator."""
    keys = frame[facets[0]].astype(str)
    for name in facets[1:]:
        keys = keys + "\x1f" + frame[name].astype(str)
    return keys.to_numpy(dtype=object)


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
