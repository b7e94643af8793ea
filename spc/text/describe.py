"""Plain-English captions for SPC charts: what a chart says, and what it does not say.

Reads only the result frame and options (``docs/result-frame.md``); never imports matplotlib,
so reports can caption charts without a plotting backend.

Example::

    res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u", multiply=1000)
    print(spc.describe(res))
    # Falls (per 1,000 bed days), U chart: 24 monthly points from Jan 2023 to Dec 2024. ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from spc.chart_types import CHART_TYPES, ChartType
from spc.engine.mdc import assurance_icon, variation_icon
from spc.engine.rules import RULE_TEXT, rule_columns
from spc.text.icons import ASSURANCE_ICON_TEXT, VARIATION_ICON_TEXT
from spc.text.labels import (
    chart_name,
    facet_title,
    fmt_num,
    fmt_x,
    measure_label,
    period_of,
    split_facets,
    unit_label,
)
from spc.text.verdicts import verdict_sentence

__all__ = ["RULE_TEXT", "describe", "describe_frame"]

#: Result columns of rules that judge a whole phase (too few crossings, too few or many runs).
_PHASE_RULES = rule_columns("phase")


class ResultLike(Protocol):
    """Anything with a result frame ``.data`` and the ``.options`` it was computed with."""

    data: pd.DataFrame
    options: Mapping[str, Any]


_PERIOD_WORD = {
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}


def describe(res: ResultLike) -> str | dict[Any, str]:
    """Caption(s) for a ``QICResult``: one string, or ``{facet: caption}`` when faceted.

    Each caption leads with the verdict (``spc.text.verdicts``) when the result carries
    ``verdicts`` (as ``spc.chart_measure``'s do), then says what is measured, the current
    centre and limits, which signals fired and since when, and what the chart does *not* mean.

    >>> caps = describe(res)            # doctest: +SKIP
    >>> caps["Ward A"]                  # doctest: +SKIP
    'Falls (per 1,000 bed days), U chart, Ward A: 24 monthly points ...'
    """
    data, options = res.data, dict(res.options)
    summary = _summary_or_none(res)
    verdicts = _verdicts_by_facet(res)
    out: dict[Any, str] = {}
    for key, rows in split_facets(data, options):
        out[key] = describe_frame(
            rows, options, facet=key, summary=summary, verdict=verdicts.get(key)
        )
    if list(out) == [None]:
        return out[None]
    return out


def _summary_or_none(res: object) -> pd.DataFrame | None:
    # The summary carries the engine's assurance verdict; captions still work without it.
    fn = getattr(res, "summary", None)
    if not callable(fn):
        return None
    try:
        summ = fn()
    except Exception:  # a caption must never fail because the summary did
        return None
    return summ if isinstance(summ, pd.DataFrame) else None


def _verdicts_by_facet(res: object) -> dict[Any, Mapping[str, Any]]:
    """The rows of ``res.verdicts`` by facet key (None without facets)."""
    frame = getattr(res, "verdicts", None)
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return {}
    facets = [f for f in (getattr(res, "options", {}).get("facet") or []) if f in frame]
    if not facets:
        return {None: frame.iloc[0].to_dict()}
    out = {}
    for _, row in frame.iterrows():
        key = row[facets[0]] if len(facets) == 1 else tuple(row[f] for f in facets)
        out[key] = row.to_dict()
    return out


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_frame(
    rows: pd.DataFrame,
    options: Mapping[str, Any],
    facet: object = None,
    summary: pd.DataFrame | None = None,
    verdict: Mapping[str, Any] | None = None,
) -> str:
    """Caption for the rows of one facet of a result frame (see :func:`describe`); with a
    ``verdict`` (a row of ``QICResult.verdicts``) it leads with the verdict sentence."""
    if rows.empty:
        return "No data."
    chart = str(options.get("chart") or "run")
    kind = CHART_TYPES.get(chart) or ChartType(chart, f"{chart} chart", "continuous")
    period = period_of(rows["x"])
    pword = _PERIOD_WORD.get(period or "", "")
    unit = unit_label(options)
    what = measure_label(options)
    # a catalogue title already names the unit ("... per 1,000 occupied bed days")
    show_unit = unit and not options.get("label")
    head = f"{_sentence(what)}{f' ({unit})' if show_unit else ''}, {chart_name(options)}"
    if facet is not None:
        head += f", {facet_title(facet)}"
    n_pts = len(rows)
    if kind.one_point_per_event:  # on the event's date: not a daily series
        pword, counted = "event", f"{n_pts} points (one per event)"
    else:
        adj = f"{pword}ly " if pword and pword != "day" else ("daily " if pword == "day" else "")
        counted = f"{n_pts} {adj}points"
    head += (
        f": {counted} from {fmt_x(rows['x'].iloc[0], period)} "
        f"to {fmt_x(rows['x'].iloc[-1], period)}."
    )
    sentences = [head]
    if verdict is not None:
        sentences.insert(0, verdict_sentence(verdict, options, period))

    parts = rows["part"].to_numpy() if "part" in rows else np.ones(n_pts, dtype=int)
    last_part = parts[-1]
    cur = rows[parts == last_part]
    if len(np.unique(parts)) > 1:
        sentences.append(
            f"The chart has {len(np.unique(parts))} phases; the current phase began "
            f"{fmt_x(cur['x'].iloc[0], period)} ({len(cur)} points)."
        )
    sentences.append(_centre_and_limits(cur, kind))
    if "baseline" in cur and not cur["baseline"].all() and cur["baseline"].any():
        nb = int(cur["baseline"].sum())
        first_x = fmt_x(cur.loc[cur["baseline"].astype(bool), "x"].iloc[0], period)
        sentences.append(
            f"Centre and limits are frozen on a baseline of {nb} points from {first_x} and "
            "extended (dashed) to judge the later points against it."
        )
    if "include" in rows and not rows["include"].all():
        ex = rows.loc[~rows["include"].astype(bool), "x"]
        sentences.append(
            f"{len(ex)} point(s) ({', '.join(fmt_x(v, period) for v in ex.iloc[:3])}"
            f"{', ...' if len(ex) > 3 else ''}) are shown hollow and left out of the calculations."
        )

    signal_text, since = _signals(rows, cur, parts, period)
    sentences.extend(signal_text)

    improvement = options.get("improvement")
    if verdict is None and improvement in ("increase", "decrease") and "point_type" in cur:
        icon = variation_icon(cur["point_type"].iloc[-1], improvement)
        if icon:
            text = VARIATION_ICON_TEXT[icon]
            sentences.append(f"Latest point: {text[0].lower()}{text[1:]}.")
    target_text = _target(cur, options, facet, summary)
    if target_text:
        sentences.append(target_text)
    basis = str((verdict or {}).get("basis") or "")
    if verdict is not None:
        # the caveat follows the verdict: a signal earlier in the phase that has ended is history
        past = since if basis == "none" and since else None
        directional = basis not in ("none", "phase", "too_few_events", "")
        vsince = verdict.get("since")
        since = (
            fmt_x(vsince, period)
            if directional and isinstance(vsince, pd.Timestamp)
            else (since if directional else None)
        )
        if past:
            basis, since = "past", past
    sentences.append(_caveat(kind, pword, since, basis))
    if basis != "too_few_events":
        sentences.append(_rare_events(rows, kind, pword))
    return " ".join(s for s in sentences if s)


def _rare_events(rows: pd.DataFrame, kind: ChartType, pword: str) -> str:
    """A warning when most points are zero: runs of zeros below the centre line signal easily
    and one event looks like a spike (teaching notebook 5 shows why). Only for the chart types
    marked ``warn_when_mostly_zero`` (counts, rates, proportions; not the G chart)."""
    y = rows["y"].to_numpy(float)
    y = y[np.isfinite(y)]
    zeros = int((y == 0).sum())
    if not kind.warn_when_mostly_zero or len(y) < 2 or zeros * 2 <= len(y):
        return ""
    return (
        f"Most points ({zeros} of {len(y)}) are zero: with events this rare, runs of zero "
        f"{pword or 'point'}s below the centre line signal easily and a single event looks like "
        "a spike; a chart of the time between events (T or G chart) is the better guide."
    )


def _centre_and_limits(cur: pd.DataFrame, kind: ChartType) -> str:
    cl = cur["cl"].dropna()
    if cl.empty:
        return "No centre line could be calculated for the current phase."
    text = f"Current centre line ({kind.centre_word}) {fmt_num(cl.iloc[-1])}"
    lcl = cur["lcl"] if "lcl" in cur else pd.Series(np.nan, index=cur.index)
    ucl = cur["ucl"] if "ucl" in cur else pd.Series(np.nan, index=cur.index)
    if not kind.has_limits or (lcl.isna().all() and ucl.isna().all()):
        return text + "; a run chart has no control limits."
    lo, hi = lcl.iloc[-1], ucl.iloc[-1]
    varying = lcl.nunique(dropna=True) > 1 or ucl.nunique(dropna=True) > 1
    if pd.isna(lo) and not pd.isna(hi):
        lim = f"upper control limit {fmt_num(hi)} (no lower limit)"
    elif pd.isna(hi) and not pd.isna(lo):
        lim = f"lower control limit {fmt_num(lo)} (no upper limit)"
    else:
        lim = f"control limits {fmt_num(lo)} to {fmt_num(hi)}"
    if varying:
        lim += " for the latest point (the limits widen and narrow with the denominator)"
    text += f", {lim}."
    if "short_group_warning" in cur and bool(cur["short_group_warning"].iloc[-1]):
        text += (
            f" Only {len(cur)} points in this phase: the limits are trial limits and may move "
            "as data accrue."
        )
    return text


def _signals(
    rows: pd.DataFrame, cur: pd.DataFrame, parts: np.ndarray, period: str | None
) -> tuple[list[str], str | None]:
    rule_cols = [c for c in rows.columns if c.startswith("rule_")]
    out: list[str] = []
    since: str | None = None
    phase_cols = [c for c in rule_cols if c in _PHASE_RULES]
    rule_cols = [c for c in rule_cols if c not in _PHASE_RULES]
    fired = [c for c in rule_cols if cur[c].fillna(False).astype(bool).any()]
    if fired:
        descr = []
        seen: set[str] = set()
        for col in fired:
            flagged = cur.loc[cur[col].fillna(False).astype(bool), "x"]
            phrase = RULE_TEXT.get(col, col.removeprefix("rule_").replace("_", " "))
            if phrase in seen:
                continue
            seen.add(phrase)
            when = fmt_x(flagged.iloc[0], period)
            extra = ""
            if col == "rule_long_run" and "longest_run" in cur:
                stretch = cur.loc[cur[col].fillna(False).astype(bool)]
                extra = (
                    f" (longest run {fmt_num(stretch['longest_run'].iloc[-1])}, "
                    f"limit {fmt_num(stretch['longest_run_max'].iloc[-1])})"
                )
            descr.append(f"{len(flagged)} point(s) {phrase}{extra}, from {when}")
        sig = cur.loc[cur["signal"].fillna(False).astype(bool), "x"] if "signal" in cur else None
        if sig is not None and len(sig):
            since = fmt_x(sig.iloc[0], period)
        latest = "signal" in cur and bool(cur["signal"].fillna(False).iloc[-1])
        if latest:
            out.append("Signals of special cause in the current phase: " + "; ".join(descr) + ".")
        else:  # history: the latest point itself does not signal (the verdict says so first)
            out.append(
                "Earlier in the current phase: " + "; ".join(descr) + "; the latest point "
                "does not signal."
            )
    phase_fired = [c for c in phase_cols if cur[c].fillna(False).astype(bool).any()]
    if not fired:
        out.append(
            "No point in the current phase signals a special cause."
            if phase_fired
            else "No signals of special cause in the current phase."
        )
    if phase_fired and "n_crossings" in cur:
        last = cur.loc[cur[phase_fired[0]].fillna(False).astype(bool)].iloc[-1]
        counts = (
            f" ({fmt_num(last['n_crossings'])} crossings, at least "
            f"{fmt_num(last['n_crossings_min'])} expected)"
            if phase_fired[0] == "rule_few_crossings"
            else ""
        )
        out.append(
            f"The current phase as a whole is {RULE_TEXT[phase_fired[0]].removeprefix('in ')}"
            f"{counts}: a sign of a shift or a cycle that the data do not date, and no "
            "direction, so no point is marked for it (the centre line is drawn dashed)."
        )
    if len(np.unique(parts)) > 1 and rule_cols:
        earlier = rows[parts != parts[-1]]
        if "signal" in earlier and earlier["signal"].fillna(False).astype(bool).any():
            ph = sorted(set(earlier.loc[earlier["signal"].astype(bool), "part"].tolist()))
            out.append(f"Earlier phase(s) {', '.join(str(p) for p in ph)} also had signals.")
    return out, since


def _target(
    cur: pd.DataFrame,
    options: Mapping[str, Any],
    facet: object,
    summary: pd.DataFrame | None,
) -> str:
    if "target" not in cur or cur["target"].isna().all():
        return ""
    target = cur["target"].dropna().iloc[-1]
    text = f"Target {fmt_num(target)}."
    verdict = None
    if summary is not None and "assurance_type" in summary:
        summ = summary
        for col in options.get("facet") or []:
            if isinstance(options.get("facet"), str):
                col = options["facet"]
            if col in summ and col in cur:
                summ = summ[summ[col] == cur[col].iloc[0]]
        vals = summ["assurance_type"].dropna()
        if len(vals):
            verdict = assurance_icon(vals.iloc[-1])
    if verdict:
        text += f" {ASSURANCE_ICON_TEXT[verdict]}."
        if verdict == "inconsistent":
            text += (
                " The target lies inside the limits, so meeting or missing it in any one period "
                "is chance, not performance."
            )
    return text


def _caveat(kind: ChartType, pword: str, since: str | None, basis: str = "") -> str:
    step = f"{pword}-to-{pword}" if pword else "point-to-point"
    if basis == "too_few_events":
        return (
            "What it does not mean: no signal here is no evidence of safety, nor of no change: "
            "events this rare need the time between them, or several years of data, to show "
            "a change."
        )
    if basis == "past":
        return (
            f"What it does not mean: the signal from {since} shows the process was different "
            "then, not why; the latest points show no signal, so nothing says it is different "
            "now."
        )
    if basis == "phase":
        return (
            "What it does not mean: an unstable phase is neither an improvement nor a concern; "
            "look for what changed (a new way of working, a different case mix) before judging "
            "anything against it."
        )
    if since is None:
        text = (
            f"What it does not mean: this is common cause variation, so the {step} ups and "
            "downs are noise, not evidence of change; reacting to or ranking single "
            f"{pword or 'point'}s would mislead. A different result needs the process itself "
            "to be redesigned."
        )
    else:
        text = (
            f"What it does not mean: a signal shows that the process changed around {since}, "
            "not why; check the change log before crediting (or blaming) any one action."
        )
    if not kind.has_limits:
        text += " A run chart cannot show single unusual points, only shifts and trends."
    return text
