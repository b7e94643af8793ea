"""Chart settings per team and measure: baseline, phases, excluded points and target.

An improvement fellow decides these in the explorer (``spc.explore``); the explorer saves them
in a small JSON file and the team reports, the collaborative overview and ``summary.csv`` read
it (``safety-spc render --chart-settings PATH``), so what a fellow decides interactively is what
the collaborative's reports show. Change notes are not kept here: they live in the change log
(the ``changes`` template), which the explorer exports alongside.

The file, UTF-8 JSON, keyed by team and then by measure id::

    {
      "AVN-ELM": {
        "falls_per_1000_obd": {"baseline": 12, "exclude": ["2023-08-01"], "target": 5.5,
                               "phases": ["2023-04-01"]}
      }
    }

``baseline`` is the number of points the centre line and limits are computed from; the later
points are judged against them (frozen and extended), as points after a change are judged
against the points before it (docs/verdicts.md); ``phases`` lists dates where new limits start
whatever the data say; ``exclude`` lists x values left out of the calculations but still shown
(dates as ISO ``YYYY-MM-DD``); ``target`` is in the measure's unit (95 means 95 %). Every field
is optional.

>>> settings = ChartSettings({"W1": {"falls_per_1000_obd": MeasureChoice(baseline=12)}})
>>> settings.choice("W1", "falls_per_1000_obd").baseline
12
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from spc._files import write_atomic
from spc.errors import SPCError, did_you_mean

#: The fields a measure's entry may have.
FIELDS = ("baseline", "exclude", "target", "phases")


@dataclass(frozen=True)
class MeasureChoice:
    """One team's choices for one measure (``None``/empty: the catalogue's defaults).

    ``baseline``: the first this-many points are the baseline and the later points are judged
    against it (instead of the points before the team's first change). ``phases``: dates where
    new limits start whatever the data say (the fellow insists). ``exclude``: points left out
    of the calculations. ``target``: in the plotted unit.
    """

    baseline: int | None = None
    exclude: tuple[pd.Timestamp, ...] = ()
    target: float | None = None
    phases: tuple[pd.Timestamp, ...] = ()

    def is_empty(self) -> bool:
        """True when nothing differs from the defaults."""
        return (
            self.baseline is None and not self.exclude and self.target is None and not self.phases
        )

    def qic_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`spc.qic` that apply this choice's exclusions and target
        to one team's chart (``spc.chart_measure`` applies the baseline and phases, which it
        judges with the change log).

        >>> MeasureChoice(baseline=12, target=5.5).qic_kwargs()
        {'target': 5.5}
        """
        out: dict[str, Any] = {}
        if self.exclude:
            out["exclude"] = list(self.exclude)
        if self.target is not None:
            out["target"] = self.target
        return out

    def as_json(self) -> dict[str, Any]:
        """The entry as written to the file (empty fields left out)."""
        out: dict[str, Any] = {}
        if self.baseline is not None:
            out["baseline"] = int(self.baseline)
        if self.exclude:
            out["exclude"] = [_iso(x) for x in sorted(self.exclude)]
        if self.target is not None:
            out["target"] = float(self.target)
        if self.phases:
            out["phases"] = [_iso(x) for x in sorted(self.phases)]
        return out


class ChartSettings:
    """Choices by team and measure id, read from a chart settings file or built in code."""

    def __init__(
        self,
        choices: Mapping[str, Mapping[str, MeasureChoice]] | None = None,
        source: str = "chart settings",
    ) -> None:
        self.choices = {str(t): dict(m) for t, m in (choices or {}).items()}
        self.source = source

    def choice(self, team: str, measure: str) -> MeasureChoice | None:
        """The choice for ``team`` and ``measure``, or None."""
        return self.choices.get(str(team), {}).get(measure)

    def teams(self) -> list[str]:
        """Teams with at least one choice, sorted."""
        return sorted(t for t, m in self.choices.items() if m)

    def check_teams(self, known: Iterable[str]) -> None:
        """Raise naming the file and team when a team is not in the data (likely a typo)."""
        known = sorted(set(map(str, known)))
        unknown = [t for t in self.teams() if t not in known]
        if unknown:
            lines = [
                f"{self.source}, team {t!r}: not in the data files{did_you_mean(t, known)}; spell "
                "it exactly as in the ward column, or remove it"
                for t in unknown
            ]
            raise SPCError("\n".join(lines))

    def qic_kwargs(
        self,
        measure: str,
        spans: Mapping[str, tuple[pd.Timestamp, pd.Timestamp]],
        faceted: bool,
        base_target: float | None,
    ) -> dict[str, Any]:
        """Keyword arguments for :func:`spc.qic` that apply the teams' choices for ``measure``.

        ``spans`` gives each team in the chart its first and last x; exclusions outside that
        span (e.g. before a report's period) are left out, as they concern no point shown.
        With ``faceted`` the values are dicts by team (as :func:`spc.qic` takes them per
        facet), otherwise :meth:`MeasureChoice.qic_kwargs` of the one team. ``base_target``
        is the target of teams without a choice (the catalogue's or an override).
        """
        teams = list(spans)
        chosen = {}
        for t in teams:
            c = self.choice(t, measure)
            if c is not None:
                first, last = spans[t]
                kept = tuple(x for x in c.exclude if first <= x <= last)
                chosen[t] = MeasureChoice(c.baseline, kept, c.target, c.phases)
        if not chosen:
            return {}
        out: dict[str, Any] = {}
        if not faceted:
            c = chosen.get(teams[0]) if teams else None
            return {} if c is None else c.qic_kwargs()
        exclude = {t: list(c.exclude) for t, c in chosen.items() if c.exclude}
        if exclude:
            out["exclude"] = exclude
        if any(c.target is not None for c in chosen.values()):
            default = math.nan if base_target is None else float(base_target)
            out["target"] = {
                t: c.target
                if (c := chosen.get(t)) is not None and c.target is not None
                else default
                for t in teams
            }
        return out

    def with_choice(self, team: str, measure: str, choice: MeasureChoice) -> ChartSettings:
        """A copy with ``team``'s choice for ``measure`` replaced (an empty choice removes it)."""
        choices = {t: dict(m) for t, m in self.choices.items()}
        entry = choices.setdefault(str(team), {})
        if choice.is_empty():
            entry.pop(measure, None)
        else:
            entry[measure] = choice
        if not entry:
            del choices[str(team)]
        return ChartSettings(choices, self.source)

    def as_json(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The settings as written to the file, sorted by team and measure."""
        return {
            t: {m: self.choices[t][m].as_json() for m in sorted(self.choices[t])}
            for t in sorted(self.choices)
            if self.choices[t]
        }

    def __bool__(self) -> bool:
        return bool(self.teams())

    def __repr__(self) -> str:
        n = sum(len(m) for m in self.choices.values())
        return f"ChartSettings({n} choice(s) for {len(self.teams())} team(s) from {self.source})"


def _iso(x: Any) -> str:
    return pd.Timestamp(x).strftime("%Y-%m-%d")


def _parse_entry(where: str, raw: Any, problems: list[str]) -> MeasureChoice | None:
    """One measure's entry, appending a problem (naming the field) for anything wrong."""

    def bad(fieldname: str, msg: str) -> None:
        problems.append(f"{where}, field {fieldname!r}: {msg}")

    if not isinstance(raw, Mapping):
        problems.append(f'{where}: expected an object like {{"baseline": 12}}')
        return None
    n_before = len(problems)
    for key in raw:
        if key not in FIELDS:
            bad(key, f"unknown field{did_you_mean(key, FIELDS)}; allowed: {', '.join(FIELDS)}")
    baseline = raw.get("baseline")
    if baseline is not None and (
        isinstance(baseline, bool) or not isinstance(baseline, int) or baseline < 1
    ):
        bad(
            "baseline",
            f"{baseline!r} is not a whole number of points of 1 or more "
            "(use null for no frozen baseline)",
        )
    exclude = _dates(raw, "exclude", bad)
    phases = _dates(raw, "phases", bad)
    target = raw.get("target")
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target)
    ):
        bad("target", f"{target!r} is not a number (use null for the catalogue's target)")
    if len(problems) > n_before:
        return None
    return MeasureChoice(
        baseline=None if baseline is None else int(baseline),
        exclude=tuple(sorted(set(exclude))),
        target=None if target is None else float(target),
        phases=tuple(sorted(set(phases))),
    )


def _dates(raw: Mapping[str, Any], name: str, bad: Any) -> list[pd.Timestamp]:
    """The list of ISO dates in field ``name``, reporting each bad item through ``bad``."""
    items = raw.get(name, [])
    if not isinstance(items, list):
        bad(name, 'must be a list of dates like ["2023-08-01"]')
        return []
    out = []
    for item in items:
        try:
            if not isinstance(item, str):
                raise ValueError
            out.append(pd.Timestamp(pd.to_datetime(item, format="%Y-%m-%d")))
        except ValueError:
            bad(name, f'{item!r} is not a date written YYYY-MM-DD (e.g. "2023-08-01")')
    return out


def read_chart_settings(
    path: str | os.PathLike[str], measures: Iterable[str] | None = None
) -> ChartSettings:
    """Read and check a chart settings file; raise :class:`SPCError` listing every problem.

    ``measures`` are the known measure ids (default: the catalogue's). Each problem names the
    file, team, measure and field and says how to fix it.
    """
    path = Path(path)
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SPCError(f"{path}: chart settings file not found; check the path") from None
    except UnicodeDecodeError:
        raise SPCError(f"{label}: not UTF-8 text; save it as a UTF-8 JSON file") from None
    if not text.strip():
        return ChartSettings(source=label)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SPCError(
            f"{label}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}); "
            "check quotes, commas and brackets there"
        ) from None
    if not isinstance(raw, Mapping):
        raise SPCError(f'{label}: expected an object keyed by team, like {{"AVN-ELM": {{...}}}}')
    if measures is None:
        from spc.data.catalogue import load_catalogue

        measures = load_catalogue()
    known = sorted(measures)
    problems: list[str] = []
    choices: dict[str, dict[str, MeasureChoice]] = {}
    for team, entries in raw.items():
        if not isinstance(entries, Mapping):
            problems.append(f"{label}, team {team!r}: expected an object keyed by measure id")
            continue
        for measure, entry in entries.items():
            where = f"{label}, team {team!r}, measure {measure!r}"
            if measure not in known:
                problems.append(f"{where}: not a measure id{did_you_mean(measure, known)}")
                continue
            choice = _parse_entry(where, entry, problems)
            if choice is not None and not choice.is_empty():
                choices.setdefault(str(team), {})[measure] = choice
    if problems:
        raise SPCError("the chart settings have problems:\n" + "\n".join(problems))
    return ChartSettings(choices, source=label)


def write_chart_settings(
    path: str | os.PathLike[str], team: str, measure: str, choice: MeasureChoice
) -> Path:
    """Write (or update) ``team``'s choice for ``measure`` in a chart settings file, atomically.

    Other teams' and measures' entries already in the file are kept; an empty choice removes
    the entry.
    """
    path = Path(path)
    settings = read_chart_settings(path) if path.exists() else ChartSettings(source=path.name)
    settings = settings.with_choice(team, measure, choice)
    return write_atomic(path, json.dumps(settings.as_json(), indent=2) + "\n")


def as_chart_settings(
    value: ChartSettings | str | os.PathLike[str] | None,
) -> ChartSettings:
    """A :class:`ChartSettings` from a settings object, a file path, or nothing ("" or None)."""
    if isinstance(value, ChartSettings):
        return value
    if value in (None, ""):
        return ChartSettings()
    return read_chart_settings(value)  # type: ignore[arg-type]


__all__ = [
    "FIELDS",
    "ChartSettings",
    "MeasureChoice",
    "as_chart_settings",
    "read_chart_settings",
    "write_chart_settings",
]
