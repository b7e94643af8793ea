"""``chart_measure``: the catalogue's chart for one measure, the one place where the measures
catalogue (``spc.data.catalogue``) meets the engine (``spc.engine.pipeline.qic``).

The catalogue sets the chart type, multiplier, target and improvement direction; the change log
in the tidy frame sets phases; a team's chart settings (``spc.data.chart_settings``) set its own
baseline, exclusions and target.

>>> import spc
>>> df = spc.load_example()
>>> res = spc.chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")
>>> res.options["chart"]
'u'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.data.catalogue import get_measure
from spc.data.chart_settings import ChartSettings
from spc.data.tidy import load
from spc.engine.pipeline import qic
from spc.engine.result import QICResult
from spc.errors import IgnoredSettingWarning, SPCError, did_you_mean

__all__ = ["MIN_PHASE_POINTS", "chart_measure"]


#: A change-log phase start is applied only if the phases on both sides keep this many points:
#: fewer give limits that say nothing (a T chart of 3 events), so the change is only annotated.
MIN_PHASE_POINTS = 6


def _long_enough_phases(periods: pd.Series, starts: list[Any]) -> list[Any]:
    """The phase starts that leave at least ``MIN_PHASE_POINTS`` points in every phase."""
    values = np.sort(pd.to_datetime(periods).to_numpy())
    kept: list[Any] = []
    previous = 0
    for start in sorted(starts):
        at = int(np.searchsorted(values, np.datetime64(start, "ns")))
        if at - previous >= MIN_PHASE_POINTS:
            kept.append(start)
            previous = at
    # the last phase must be long enough too: drop trailing starts until it is
    while (
        kept
        and len(values) - int(np.searchsorted(values, np.datetime64(kept[-1], "ns")))
        < MIN_PHASE_POINTS
    ):
        kept.pop()
    return kept


def chart_measure(
    data: pd.DataFrame | str | Path | Sequence[str | Path],
    measure_id: str,
    team: str | Sequence[str] | None = None,
    *,
    extra: str | Path | Sequence[str | Path] | None = None,
    phases: bool = True,
    settings: ChartSettings | None = None,
    **overrides: Any,
) -> QICResult:
    """Compute the catalogue's chart for ``measure_id`` with :func:`spc.qic`; return the QICResult.

    ``data`` is the tidy frame from :func:`spc.load` (or paths to load). ``team`` picks one
    team (or a list); with several teams the chart is faceted by team. The catalogue sets the
    chart type, multiplier, target and improvement direction; ``phases=True`` starts a new
    phase where the change log says ``new_phase = yes``. ``settings`` (a
    :class:`spc.data.chart_settings.ChartSettings`, e.g. saved from the explorer) applies each
    team's own baseline, exclusions and target. Any ``**overrides`` are passed to
    :func:`spc.qic` and win (e.g. ``chart="run"``), except that a team's own target beats an
    overriding one.

    >>> import spc
    >>> df = spc.load_example()
    >>> res = chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")
    >>> res.options["chart"], len(res.data)
    ('u', 36)
    """
    if not isinstance(data, pd.DataFrame):
        data = load(data, measures_file=extra)
    m = get_measure(measure_id, extra)
    missing = [c for c in ("team", "period", "measure", "value") if c not in data.columns]
    if missing:
        raise SPCError(
            f"data is missing column(s) {', '.join(missing)}: pass the frame returned by "
            "spc.load() or spc.load_example()"
        )
    rows = data[data["measure"] == measure_id]
    if rows.empty:
        present = sorted(data["measure"].unique())
        raise SPCError(
            f"the data hold no rows for measure {measure_id!r}{did_you_mean(measure_id, present)}; "
            f"measures present: {', '.join(present)}"
        )
    if team is not None:
        wanted = [team] if isinstance(team, str) else list(team)
        known = sorted(rows["team"].unique())
        for t in wanted:
            if t not in known:
                raise SPCError(
                    f"team {t!r} has no {measure_id} data{did_you_mean(t, known)}; teams: "
                    f"{', '.join(known)}"
                )
        rows = rows[rows["team"].isin(wanted)]
    rows = rows[rows["value"].notna()].sort_values(["team", "period"]).reset_index(drop=True)
    teams = list(dict.fromkeys(rows["team"]))
    facet = "team" if len(teams) > 1 else None

    kwargs: dict[str, Any] = {
        "x": "period",
        "chart": m.chart,
        "improvement": m.improvement,
        "facet": facet,
    }
    if m.denominator and m.source != "events":
        kwargs.update(y="numerator", n="denominator", multiply=m.multiplier)
    else:
        kwargs.update(y="value")
    if m.target is not None:
        kwargs["target"] = m.target
    if phases and "phase_start" in rows.columns:
        starts: dict[str, list[Any]] = {}
        skipped: list[str] = []
        for t, grp in rows.groupby("team", sort=False):
            first = grp["period"].min()
            xs = [p for p in grp.loc[grp["phase_start"].fillna(False).astype(bool), "period"]]
            xs = [p for p in xs if p != first]
            kept = _long_enough_phases(grp["period"], xs)
            skipped += [f"{t} {p:%d/%m/%Y}" for p in xs if p not in kept]
            if kept:
                starts[str(t)] = kept
        if skipped:
            warnings.warn(
                IgnoredSettingWarning(
                    f"{measure_id}: change-log phase start(s) not applied because a phase would "
                    f"have fewer than {MIN_PHASE_POINTS} points: {', '.join(skipped)}; the "
                    "changes are still annotated on the chart",
                    setting="phase_start",
                ),
                stacklevel=2,
            )
        if starts:
            kwargs["part"] = starts if facet else starts[teams[0]]
    kwargs.update(overrides)
    if settings:
        # A team's own choices (baseline, exclusions, target) win over the catalogue and a
        # collaborative-wide target, but not over explicit keyword overrides of the caller.
        spans = {str(t): (g.min(), g.max()) for t, g in rows.groupby("team", sort=False)["period"]}
        base = kwargs.get("target")
        chosen = settings.qic_kwargs(
            measure_id,
            spans,
            faceted=kwargs.get("facet") is not None,
            base_target=base if isinstance(base, int | float) else None,
        )
        kwargs.update({k: v for k, v in chosen.items() if k == "target" or k not in overrides})
    res = qic(rows, **kwargs)
    # What is measured, in people's words, for titles, axis labels and captions.
    res.options.update(
        measure=m.id, label=m.title, units=m.unit, topic=m.topic, definition=m.definition
    )
    return res
