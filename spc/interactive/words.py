"""What the explorer says, in people's words: notes on a chart type, warnings without column
names, the summary as a table a fellow can read, and what reaches the reports.

Plain functions of a result and settings' values (no widgets, no drawing), tested on their own;
``spc.interactive.panels`` puts them into HTML and ``spc.interactive.static`` into Markdown.

>>> plain_warning(TrialLimitsWarning("2 phase(s) have fewer than 12 points: ..."))[:58]
'2 phases have fewer than 12 points, so their limits are tr'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import CHART_TYPES, chart_type
from spc.data.catalogue import measures
from spc.engine.rules import RULES
from spc.errors import DataWarning, IgnoredSettingWarning, SPCError, TrialLimitsWarning
from spc.text.icons import ASSURANCE_TYPE_TEXT
from spc.text.labels import fmt_num, fmt_x, period_of
from spc.text.verdicts import VARIATION_TYPE_WORDS

__all__ = [
    "DEFAULT_REPORT_RULES",
    "catalogue_row",
    "chart_note",
    "plain_warning",
    "plain_warnings",
    "reports_note",
    "saved_words",
    "summary_words",
]

#: The rule set ``safety-spc render`` uses unless told otherwise (``--rules``).
DEFAULT_REPORT_RULES = "anhoej"

_NONE = "\u2013"  # an en dash where a value does not apply (never "<NA>")


@functools.lru_cache(maxsize=1)
def _default_catalogue() -> pd.DataFrame:
    return measures()


def catalogue_row(measure: str, extra: Any = None) -> pd.Series:
    """The measures catalogue's row for ``measure`` (an :class:`SPCError` if it has none); the
    built-in catalogue is read once."""
    cat = _default_catalogue() if extra is None else measures(extra)
    if measure not in cat.index:
        raise SPCError(f"{measure!r} is not in the measures catalogue")
    return cat.loc[measure]


def chart_note(measure: str | Mapping[str, Any], chart: str) -> str | None:
    """A plain-English note when ``chart`` is a questionable choice for the measure, else None.

    ``measure`` is a catalogue id or row (``spc.measures().loc[id]``).

    >>> chart_note("falls_per_1000_obd", "p")[:31]
    'A P chart is for proportions (a'
    >>> chart_note("falls_per_1000_obd", "u") is None
    True
    """
    m = catalogue_row(measure) if isinstance(measure, str) else measure
    default = str(m["chart"])
    title = str(m["title"])
    events = str(m.get("source")) == "events"
    kind = CHART_TYPES.get(chart)
    default_kind = chart_type(default).kind
    if chart == default or kind is None or not kind.has_limits:  # a run chart always works
        return None
    if events:
        if kind.needs_n or kind.kind == "count":
            return (
                f"A {chart.upper()} chart needs counts and denominators, but {title.lower()} "
                "are days between events with no denominator, so it cannot be drawn. Use the "
                "T chart (or a run chart)."
            )
        if chart in ("i", "ip") or kind.one_point_per_event:
            return (
                f"The T chart transforms the days so their skew does not distort the limits; "
                f"an {chart.upper()} chart of raw days between events has limits that are "
                "too narrow at the bottom and too wide at the top."
            )
    if kind.kind == "proportion" and default_kind == "rate":
        return (
            f"A P chart is for proportions (a part of a whole, such as patients assessed "
            f"out of patients admitted), but {title.lower()} is a rate: events per unit of "
            "exposure, not a part of it. Use a U chart, which is built for rates."
        )
    if kind.kind == "rate" and default_kind == "proportion":
        return (
            f"A U chart is for rates, but {title.lower()} is a proportion (each counted "
            "patient or fall is one of the denominator). Use a P chart: its limits use the "
            "binomial spread, which a U chart overstates."
        )
    if kind.kind == "count" and chart_type(default).needs_n:
        return (
            "A C chart plots raw counts and assumes the same exposure every month. Bed days "
            "and admissions vary, so the counts are not comparable; the rate chart (U or P) "
            "allows for that."
        )
    if kind.one_point_per_event:
        return (
            f"T and G charts are for time or cases between rare events (one point per "
            f"event); {title.lower()} is a monthly value, so use the {default.upper()} chart."
        )
    if chart in ("xbar", "s"):
        return (
            "X-bar and S charts need several measurements in each subgroup; here each month "
            "has one value, so the S chart is empty and the X-bar limits are not meaningful."
        )
    if kind.kind == "moving_range":
        return "A moving range chart shows month-to-month change; read it next to the I chart."
    if chart in ("i", "ip") and chart_type(default).needs_n:
        return (
            f"An I chart works for most data but ignores the denominators; the "
            f"{default.upper()} chart uses them and is usually the better choice."
        )
    if chart in ("pp", "up"):
        return (
            "Laney's P' and U' charts are for very large denominators, where ordinary limits "
            "are too narrow; with ward-sized numbers the ordinary chart is usually right."
        )
    return None


# ---------------------------------------------------------------------------- warnings
def _month_words(text: str) -> list[str]:
    """'06/2023'-style and '01/06/2023' dates in a message as 'Jun 2023'."""
    out = []
    for day in re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text):
        out.append(pd.Timestamp(pd.to_datetime(day, dayfirst=True)).strftime("%b %Y"))
    return out


def plain_warning(message: Warning) -> str | None:
    """A warning from the engine in a fellow's words (no column or argument names), or None for
    warnings that are not about the chart (e.g. a library's deprecation notice)."""
    text = str(message)
    if isinstance(message, TrialLimitsWarning):
        found = re.search(r"(\d+) phase\(s\) have fewer than (\d+) points", text)
        count, points = (int(found.group(1)), found.group(2)) if found else (1, "12")
        phases = "1 phase has" if count == 1 else f"{count} phases have"
        their = "its" if count == 1 else "their"
        return (
            f"{phases} fewer than {points} points, so {their} limits are trial limits: they "
            "will move as months are added, so read signals near them with care."
        )
    if isinstance(message, IgnoredSettingWarning):
        if message.setting == "phases":
            months = ", ".join(_month_words(text)) or "one of them"
            return (
                f"A phase start you set was not used ({months}): each phase needs at least 6 "
                "points, and limits on fewer say nothing."
            )
        if message.setting == "exclude":
            return "A point chosen to be left out is not on this chart, so nothing was left out."
        if message.setting == "judge_from":
            return (
                "A change falls on the first point of its phase, so there is no baseline before "
                "it to judge it against."
            )
        return re.sub(r"\s*\([a-z_]+ column\)", "", text)
    if isinstance(message, DataWarning):
        found = re.search(r"(\d+) point\(s\) have a count", text)
        count = int(found.group(1)) if found else 1
        months = "1 point has" if count == 1 else f"{count} points have"
        return (
            f"{months} events but a denominator of 0 (no bed days or patients recorded): shown "
            "as missing and left out of the centre line. Check the data for that month."
        )
    if isinstance(message, UserWarning):
        return re.sub(r"\s*\([a-z_]+ column\)", "", text)
    return None


def plain_warnings(messages: Iterable[Warning]) -> list[str]:
    """:func:`plain_warning` of each message, each text once, in order."""
    out = (plain_warning(m) for m in messages)
    return list(dict.fromkeys(t for t in out if t))


# ---------------------------------------------------------------------------- summary
def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _run_needed(rules: str, longest_run_max: float | None) -> int | None:
    """Points in a row on one side that signal a run under ``rules`` (None: no run rule)."""
    if rules == "anhoej":
        return None if longest_run_max is None else int(longest_run_max) + 1
    rule_set = RULES.get(rules)
    if rule_set is None or not any(r.kind == "run" for r in rule_set.rules):
        return None
    return int(rule_set.options.shift_length)


def _stretch_names(res: Any, summary: pd.DataFrame) -> list[str]:
    """'Phase 1: baseline, Apr 2021 to Aug 2022' and the like, one per summary row (rows of the
    result are contiguous per part and judged stretch, as the summary's)."""
    d = res.data
    period = period_of(d["x"])
    x = d["x"].to_numpy()
    part = d["part"].to_numpy()
    judged = d["judged"].to_numpy(bool) if "judged" in d else np.zeros(len(d), bool)
    new = np.r_[True, (part[1:] != part[:-1]) | (judged[1:] != judged[:-1])]
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(d) - 1]
    parts = summary["part"].to_numpy()
    several = len(set(parts.tolist())) > 1
    names = []
    for i, (lo, hi) in enumerate(zip(first, last, strict=True)):
        dates = f"{fmt_x(pd.Timestamp(x[lo]), period)} to {fmt_x(pd.Timestamp(x[hi]), period)}"
        if not np.issubdtype(x.dtype, np.datetime64):
            dates = f"{fmt_x(x[lo])} to {fmt_x(x[hi])}"
        what = f"Phase {int(parts[i])}" if several else ""
        if (parts == parts[i]).sum() > 1:
            role = "judged against the baseline" if judged[lo] else "baseline"
            what = f"{what}: {role}" if what else role[:1].upper() + role[1:]
        names.append(f"{what}, {dates}" if what else dates[:1].upper() + dates[1:])
    return names


def summary_words(res: Any) -> pd.DataFrame | None:
    """The result's summary as a table a fellow can read: one column per phase (a baseline and
    the points judged against it apart), one row per question, every cell in words or numbers
    (nothing missing shows as ``<NA>``). None without a result."""
    if res is None:
        return None
    s = res.summary()
    if s.empty:
        return None
    kind = CHART_TYPES.get(str(res.options.get("chart")))
    rules = str(res.options.get("rules", "anhoej"))
    period = period_of(res.data["x"]) or ""
    per_event = kind is not None and kind.one_point_per_event
    unit = "events" if per_event else (f"{period}s" if period in ("week", "month") else "points")
    centre = f"Centre line ({kind.centre_word if kind else 'mean'})"
    has_limits = kind is not None and kind.has_limits
    rows: dict[str, list[str]] = {
        "Points": [],
        centre: [],
        "Control limits (average)": [],
        "Longest run on one side": [],
        "Crossings of the centre line": [],
        "Points that signal": [],
        "Verdict at its latest point": [],
        "Target": [],
    }
    for _, r in s.iterrows():
        rows["Points"].append(f"{int(r['n'])} {unit}")
        rows[centre].append(fmt_num(_number(r["cl"])) if _number(r["cl"]) is not None else _NONE)
        lo, hi = _number(r.get("a_lcl")), _number(r.get("a_ucl"))
        if not has_limits or (lo is None and hi is None):
            rows["Control limits (average)"].append("none (a run chart has no limits)")
        else:
            rows["Control limits (average)"].append(
                f"{fmt_num(lo) if lo is not None else 'none'} to "
                f"{fmt_num(hi) if hi is not None else 'none'}"
            )
        run = _number(r.get("longest_run"))
        needed = _run_needed(rules, _number(r.get("longest_run_max")))
        if run is None:
            rows["Longest run on one side"].append(_NONE)
        else:
            rows["Longest run on one side"].append(
                f"{int(run)}" + (f" ({needed} or more would signal)" if needed else "")
            )
        cross, fewest = _number(r.get("n_crossings")), _number(r.get("n_crossings_min"))
        if cross is None:
            rows["Crossings of the centre line"].append(_NONE)
        elif rules == "anhoej" and fewest is not None:
            rows["Crossings of the centre line"].append(
                f"{int(cross)} (fewer than {int(fewest)} would signal)"
            )
        else:
            rows["Crossings of the centre line"].append(f"{int(cross)}")
        better, worse = int(r["special_cause_improvement"]), int(r["special_cause_concern"])
        other = int(r["n"]) - int(r["common_cause"]) - better - worse
        parts = [
            f"{better} improvement" if better else "",
            f"{worse} concern" if worse else "",
            f"{other} special cause" if other > 0 else "",
        ]
        rows["Points that signal"].append(", ".join(p for p in parts if p) or "none")
        rows["Verdict at its latest point"].append(
            VARIATION_TYPE_WORDS.get(str(r["variation_type"]), _NONE)
        )
        assurance = r.get("assurance_type")
        rows["Target"].append(
            ASSURANCE_TYPE_TEXT.get(assurance, _NONE) if isinstance(assurance, str) else _NONE
        )
    table = pd.DataFrame(rows, index=_stretch_names(res, s)).T
    if res.options.get("target") is None:
        table = table.drop(index="Target")
    return table


# ---------------------------------------------------------------------------- the reports
def reports_note(rules: str, chart: str, catalogue_chart: str) -> str | None:
    """What the reports will not follow of what is on screen (the rule set and chart type are
    the collaborative's: ``safety-spc render --rules``, the catalogue's chart), or None."""
    out = []
    if rules != DEFAULT_REPORT_RULES:
        label = RULES[rules].label if rules in RULES else rules
        out.append(
            f"The reports use the rule set given to safety-spc render --rules (Anhøj unless "
            f"set), not the one chosen here ({label}): render with --rules {rules} to match."
        )
    if chart != catalogue_chart:
        out.append(
            f"The reports draw the catalogue's {catalogue_chart.upper()} chart for this "
            f"measure, not the {chart.upper()} chart chosen here."
        )
    return " ".join(out) or None


def saved_words(choice: Any) -> str:
    """What a chart settings entry keeps, in words: 'a baseline of 12 points, 1 phase start,
    the target 4.5' (or 'nothing of its own')."""
    if choice is None or choice.is_empty():
        return "nothing of its own (the catalogue's defaults)"
    parts = []
    if choice.baseline is not None:
        parts.append(f"a baseline of {choice.baseline} points")
    if choice.phases:
        parts.append(f"{len(choice.phases)} phase start{'s' if len(choice.phases) > 1 else ''}")
    if choice.exclude:
        parts.append(
            f"{len(choice.exclude)} point{'s' if len(choice.exclude) > 1 else ''} left out"
        )
    if choice.target is not None:
        parts.append(f"the target {fmt_num(choice.target)}")
    return ", ".join(parts)
