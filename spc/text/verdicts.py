"""The verdict in words: the first sentence of every caption, headline and grid tooltip.

It answers the team's question first ("has our change made a difference?") from one row of
``QICResult.verdicts`` (``spc.engine.verdict``): a confirmed change against its baseline, a
signal at the latest point, no signal yet since a change, an unstable phase, or too few events
to judge. No matplotlib, nothing computed here beyond formatting.

>>> import spc
>>> res = spc.chart_measure(spc.load_example(), "falls_per_1000_obd", team="AVN-ELM")
>>> verdict_sentence(res.verdicts.iloc[0], res.options)[:60]
'Since PDSA 1 (Sep 2022) inpatient falls per 1,000 occupied b'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from spc.chart_types import CHART_TYPES
from spc.data.catalogue import load_catalogue
from spc.engine.change import MIN_EVENT_POINTS
from spc.engine.verdict import MIN_BASELINE_POINTS, MIN_EVENTS_PER_SUBGROUP
from spc.text.labels import fmt_num, fmt_x, measure_label

__all__ = ["VARIATION_TYPE_WORDS", "verdict_sentence"]

#: A verdict in a few words (grid tooltips, summary.csv), by ``variation_type``.
VARIATION_TYPE_WORDS: dict[str, str] = {
    "common_cause": "no signal: common cause variation",
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "special cause: higher",
    "special_cause_neutral_low": "special cause: lower",
    "unstable": "unstable: review the baseline",
    "too_few_events": "too few events to judge",
}

_RULE_WORDS = {
    "outside": "beyond the {side} limit",
    "run": "a run of {run} {pword}s {where} the centre line",
    "trend": "a trend of {pword}s steadily {moving}",
    "pattern": "{pword}s close to a limit",
}


def _mid_sentence(title: str) -> str:
    """A title inside a sentence: 'Inpatient falls ...' -> 'inpatient falls ...', but 'VTE
    risk assessment ...' keeps its capitals."""
    if len(title) > 1 and title[:2].isupper():
        return title
    return title[:1].lower() + title[1:]


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _when(value: Any, period: str | None) -> str:
    return "" if _is_missing(value) else fmt_x(value, period)


def _change_name(v: Mapping[str, Any], period: str | None) -> str:
    """'PDSA 1 (Sep 2022)' from the change log's text at the change, or 'the change (...)'."""
    label = v.get("change_label")
    when = _when(v.get("change_x"), period)
    if isinstance(label, str) and label.strip():
        name = label.split("; ")[0]
        name = name.split(": ")[0] if ": " in name and len(name.split(": ")[0]) <= 20 else name
        return f"{name} ({when})"
    return f"the change ({when})"


def _direction_words(variation_type: str, improvement: str | None) -> tuple[str, str]:
    """('below', 'improvement') and the like for a verdict's direction."""
    lower = (variation_type == "special_cause_improvement" and improvement == "decrease") or (
        variation_type == "special_cause_concern" and improvement == "increase"
    )
    if variation_type == "special_cause_neutral_low":
        lower = True
    where = "below" if lower else "above"
    return where, VARIATION_TYPE_WORDS.get(variation_type, "special cause")


def verdict_sentence(
    v: Mapping[str, Any], options: Mapping[str, Any], period: str | None = "month"
) -> str:
    """The verdict of one facet as the sentence a team reads first.

    ``v`` is a row of ``QICResult.verdicts``; ``options`` the result's options (what is
    measured, the direction of improvement); ``period`` the x period (``"month"``) for dates.
    """
    chart = str(options.get("chart") or "run")
    kind = CHART_TYPES.get(chart)
    per_event = kind is not None and kind.one_point_per_event
    pword = "event" if per_event else (period if period in ("week", "month", "quarter") else "")
    unit = pword or "point"
    what = _mid_sentence(measure_label(options))
    vt = str(v.get("variation_type") or "common_cause")
    basis = str(v.get("basis") or "none")
    state = str(v.get("change_state") or "none")
    improvement = options.get("improvement")
    change = _change_name(v, period) if state != "none" else ""
    baseline = fmt_num(v.get("baseline_centre"))
    k = int(v["points_since"]) if not _is_missing(v.get("points_since")) else 0
    where, word = _direction_words(vt, improvement)
    side = v.get("better_side") if vt == "special_cause_improvement" else v.get("worse_side")
    if vt in ("special_cause_neutral_high", "special_cause_neutral_low"):
        side = None
    since_counts = (
        f"{int(side)} of {k} {unit}s {where}" if not _is_missing(side) and k else f"{k} {unit}s"
    )

    if basis == "too_few_events":
        text = _too_few(v, options, per_event, unit, _when(v.get("earlier_signal_x"), period))
    elif basis == "change":
        confirmed = _when(v.get("confirmed_x"), period)
        text = (
            f"Since {change} {what} {'have been' if what.endswith('s') else 'has been'} {where} "
            f"the baseline of {baseline}: {since_counts}, averaging "
            f"{fmt_num(v.get('centre_since'))}: {word}"
            + (f", confirmed in {confirmed}" if confirmed else "")
            + "."
        )
    elif vt != "common_cause" and basis in _RULE_WORDS:
        pattern = _RULE_WORDS[basis].format(
            side="lower" if where == "below" else "upper",
            run=int(v.get("current_run") or 0),
            pword=unit,
            where=where,
            moving="falling" if where == "below" else "rising",
        )
        if state == "pending":
            text = (
                f"Since {change} {what} {'are' if what.endswith('s') else 'is'} {where} the "
                f"baseline of {baseline}: {since_counts}, {pattern}: {word}."
            )
        else:
            text = f"{word[:1].upper() + word[1:]}: the latest {unit} is in {pattern}."
            if basis == "outside":
                text = f"{word[:1].upper() + word[1:]}: the latest {unit} is {pattern}."
    elif vt == "unstable":
        text = (
            "Unstable: the current phase crosses its centre line fewer times than chance allows, "
            "so it is not one stable process; this signal has no direction and no date, so it "
            "is not an improvement or a concern: review the baseline before judging changes "
            "against it."
        )
    elif state == "pending":
        needed = v.get("run_needed")
        text = (
            f"No signal yet: {k} {unit}{'s' if k != 1 else ''} since {change}; {what} average "
            f"{fmt_num(v.get('centre_since'))} against a baseline of {baseline} "
            f"({int(v.get('better_side') or 0)} of {k} on the better side)"
            + (f"; a run needs {int(needed)}" if not _is_missing(needed) else "")
            + "."
        )
    else:
        n = int(v.get("points") or 0)
        earlier = _when(v.get("earlier_signal_x"), period)
        text = (
            f"No signal now: the latest {unit} shows common cause variation; the signal from "
            f"{earlier} has ended."
            if earlier
            else f"No signal: common cause variation over {n} {unit}s."
        )
    if state == "short_baseline" and basis not in ("change",):
        text += (
            f" {change[:1].upper() + change[1:]} is not judged against a baseline: it came "
            f"after only {int(v.get('baseline_points') or 0)} {unit}s of data "
            f"({MIN_BASELINE_POINTS} needed)."
        )
    return text


def _too_few(
    v: Mapping[str, Any], options: Mapping[str, Any], per_event: bool, unit: str, beyond: str
) -> str:
    """The too-few-events verdict; ``beyond`` names the last point beyond the limits ('' if
    none), said before the pointer to the time-between-events chart."""
    if per_event:
        text = (
            f"Too few events to judge: {int(v.get('points') or 0)} events on this chart "
            f"(run rules need at least {MIN_EVENT_POINTS} before a change to judge it)."
        )
    else:
        events = v.get("events")
        count = "" if _is_missing(events) else f"{fmt_num(float(events))} events in "
        total = v.get("events_of")
        if count and not _is_missing(total):
            # a percentage: the events are its rarer outcome, which may be the complement
            count = f"{fmt_num(float(events))} of {fmt_num(float(total))} on the rarer side in "
        text = (
            f"Too few events to judge: {count}{int(v.get('points') or 0)} {unit}s, fewer than "
            f"{fmt_num(MIN_EVENTS_PER_SUBGROUP)} a {unit} on average, so quiet {unit}s are not "
            f"read as a run; only a {unit} beyond the limits would be a signal."
        )
    if beyond:
        text += f" The last {unit or 'point'} beyond the limits was {beyond}."
    measure = load_catalogue().get(str(options.get("measure")))
    alt = load_catalogue().get(measure.rare_events_measure) if measure else None
    if alt is not None:
        text += f" The time between events is the better guide: see '{alt.title}'."
    return text
