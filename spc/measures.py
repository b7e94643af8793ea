"""The measures catalogue: what collaboratives measure, how each is built, and its default chart.

The catalogue ships with the package (``spc/measures.toml``). Teams add or override measures
with a TOML file of their own in the same format; a bad entry raises :class:`CatalogueError`
naming the file, the entry and the field.

Example::

    >>> import spc
    >>> spc.measures().loc["falls_per_1000_obd", "chart"]
    'u'
    >>> df = spc.load_example()                                        # doctest: +SKIP
    >>> res = spc.chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")  # doctest: +SKIP
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spc.errors import SPCError, SPCWarning, did_you_mean

if TYPE_CHECKING:
    from spc.chart_settings import ChartSettings
    from spc.qic import QICResult

__all__ = [
    "CHART_TYPES",
    "CatalogueError",
    "Measure",
    "chart_measure",
    "get_measure",
    "load_catalogue",
    "measures",
]

#: Chart names the engine understands.
CHART_TYPES = ("run", "i", "ip", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
MEASURE_TYPES = ("outcome", "process", "balancing")
IMPROVEMENTS = ("increase", "decrease", "neutral")
SOURCES = ("ward-monthly", "safety-thermometer", "events")
#: Charts whose y is a count over a denominator (numerator and denominator go to the engine).
RATIO_CHARTS = ("p", "pp", "u", "up")


class CatalogueError(SPCError):
    """A measures file has bad entries; ``.problems`` lists one message per bad field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the measures catalogue:\n{lines}")


@dataclass(frozen=True)
class Measure:
    """One catalogue entry. ``numerator``/``denominator`` are tuples of column names (summed).

    ``value = sum(numerator) / sum(denominator) * multiplier``, in ``unit``. Days-between
    measures (``source == "events"``) have no columns; they count ``severities`` of
    ``event_type`` from the event log.
    """

    id: str
    title: str
    topic: str
    type: str
    source: str
    chart: str
    improvement: str
    unit: str
    definition: str
    multiplier: float = 1.0
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    event_type: str | None = None
    severities: tuple[str, ...] = ()
    target: float | None = None
    min_denominator: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain dict (lists joined with ``+`` for display)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = " + ".join(v) if isinstance(v, tuple) else v
        return out


_FIELD_NAMES = [f.name for f in fields(Measure) if f.name != "id"]
_REQUIRED = ("title", "topic", "type", "source", "chart", "improvement", "unit", "definition")


def _check_entry(
    origin: str, mid: str, raw: Mapping[str, Any], base: Measure | None, problems: list[str]
) -> Measure | None:
    """Validate one entry (merged over ``base`` when overriding); append problems."""

    def bad(fieldname: str, msg: str) -> None:
        problems.append(f"{origin}, entry {mid!r}, field {fieldname!r}: {msg}")

    n_before = len(problems)
    if not isinstance(raw, Mapping):
        problems.append(
            f"{origin}, entry {mid!r}: expected a table of fields ([{mid}] followed by "
            "key = value lines)"
        )
        return None
    values: dict[str, Any] = base.as_dict() if base is not None else {}
    if base is not None:
        for key in ("numerator", "denominator", "severities"):
            values[key] = getattr(base, key)
    for key, val in raw.items():
        if key == "id":
            continue
        if key not in _FIELD_NAMES:
            allowed = ", ".join(_FIELD_NAMES)
            bad(key, f"unknown field{did_you_mean(key, _FIELD_NAMES)}; allowed: {allowed}")
            continue
        values[key] = val
    if base is None:
        for key in _REQUIRED:
            if key not in values:
                bad(key, "missing: every new measure needs this field")
    for key in ("title", "topic", "unit", "definition"):
        if key in values and (not isinstance(values[key], str) or not values[key].strip()):
            bad(key, "must be non-empty text in quotes")
    choices = {
        "type": MEASURE_TYPES,
        "source": SOURCES,
        "chart": CHART_TYPES,
        "improvement": IMPROVEMENTS,
    }
    for key, allowed in choices.items():
        if key in values and values[key] not in allowed:
            bad(
                key,
                f"{values[key]!r} is not allowed{did_you_mean(str(values[key]), allowed)}; "
                f"choose one of {', '.join(allowed)}",
            )
    for key in ("numerator", "denominator", "severities"):
        v = values.get(key, ())
        if isinstance(v, str):
            v = (v,)
        if not isinstance(v, list | tuple) or not all(isinstance(s, str) and s for s in v):
            bad(key, 'must be a column name in quotes or a list of them, e.g. ["a", "b"]')
            v = ()
        values[key] = tuple(v)
    multiplier = values.get("multiplier", 1)
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float) or multiplier <= 0:
        bad("multiplier", f"{multiplier!r} must be a positive number, e.g. 1000 or 100")
    else:
        values["multiplier"] = float(multiplier)
    for key in ("target", "min_denominator"):
        v = values.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            bad(key, f"{v!r} must be a number (in the plotted unit) or left out")
        elif v is not None:
            values[key] = float(v)
    source = values.get("source")
    if source == "events":
        from spc.templates import EVENT_SEVERITIES

        et = values.get("event_type")
        if et not in EVENT_SEVERITIES:
            bad(
                "event_type",
                f"{et!r} is not an event type; choose one of {', '.join(EVENT_SEVERITIES)}",
            )
        else:
            if not values["severities"]:
                bad("severities", 'list the severities that count, e.g. ["moderate", "severe"]')
            for s in values["severities"]:
                if s not in EVENT_SEVERITIES[et]:
                    bad(
                        "severities",
                        f"{s!r} is not a severity of {et}{did_you_mean(s, EVENT_SEVERITIES[et])}; "
                        f"choose from {', '.join(EVENT_SEVERITIES[et])}",
                    )
    elif source in SOURCES:
        if not values["numerator"]:
            bad("numerator", "missing: name the column(s) holding the counts")
        if values.get("chart") in RATIO_CHARTS and not values["denominator"]:
            bad("denominator", f"a {values.get('chart')} chart needs a denominator column")
    if len(problems) > n_before:
        return None
    kwargs = {k: values[k] for k in _FIELD_NAMES if k in values}
    return Measure(id=mid, **kwargs)


def _read_toml(path: Path | str, label: str | None = None) -> dict[str, Any]:
    label = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SPCError(f"{label}: measures file not found; check the path") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError([f"{label}: not valid TOML ({exc}); fix the syntax there"]) from None


@lru_cache(maxsize=1)
def _shipped_table() -> dict[str, Any]:
    shipped = resources.files("spc").joinpath("measures.toml")
    return tomllib.loads(shipped.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _shipped_catalogue() -> dict[str, Measure]:
    # parsed and checked once per process: reports call this for every chart
    return load_catalogue([])


def load_catalogue(extra: str | Path | Sequence[str | Path] | None = None) -> dict[str, Measure]:
    """Read the shipped catalogue, then each ``extra`` file in order, into ``{id: Measure}``.

    An entry in an extra file whose id already exists overrides only the fields it gives (e.g.
    a local ``target``); a new id must give every required field. All problems in all files are
    collected and raised together as one :class:`CatalogueError`.

    >>> load_catalogue()["vte_risk_assessment_percent"].target
    95.0
    """
    if extra is None:
        return dict(_shipped_catalogue())  # Measure is frozen: a shallow copy is safe
    sources: list[tuple[str, dict[str, Any]]] = [("spc/measures.toml", _shipped_table())]
    if extra is not None:
        paths = [extra] if isinstance(extra, str | Path) else list(extra)
        sources += [(str(p), _read_toml(p)) for p in paths]
    catalogue: dict[str, Measure] = {}
    problems: list[str] = []
    for origin, table in sources:
        for mid, raw in table.items():
            m = _check_entry(origin, mid, raw, catalogue.get(mid), problems)
            if m is not None:
                catalogue[mid] = m
    if problems:
        raise CatalogueError(problems)
    return catalogue


def get_measure(measure_id: str, extra: str | Path | Sequence[str | Path] | None = None) -> Measure:
    """The catalogue entry ``measure_id``; unknown ids raise :class:`SPCError` with a suggestion."""
    catalogue = load_catalogue(extra)
    try:
        return catalogue[measure_id]
    except KeyError:
        raise SPCError(
            f"unknown measure {measure_id!r}{did_you_mean(measure_id, catalogue)}; "
            "spc.measures() lists them"
        ) from None


def measures(extra: str | Path | Sequence[str | Path] | None = None) -> pd.DataFrame:
    """The measures catalogue as a DataFrame indexed by measure id.

    Columns: title, topic, type, source, numerator, denominator (column names joined with
    ``+``), event_type, severities, multiplier, unit, chart, improvement, target,
    min_denominator, definition.

    >>> m = measures()
    >>> m.loc["harm_free_percent", "chart"], float(m.loc["harm_free_percent", "target"])
    ('p', 95.0)
    """
    rows = [m.as_dict() for m in load_catalogue(extra).values()]
    order = [
        "id", "title", "topic", "type", "source", "numerator", "denominator", "event_type",
        "severities", "multiplier", "unit", "chart", "improvement", "target", "min_denominator",
        "definition",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=order).set_index("id")


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
    :class:`spc.chart_settings.ChartSettings`, e.g. saved from the explorer) applies each team's
    own baseline, exclusions and target. Any ``**overrides`` are passed to :func:`spc.qic` and
    win (e.g. ``chart="run"``), except that a team's own target beats an overriding one.

    >>> import spc
    >>> df = spc.load_example()
    >>> res = chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")
    >>> res.options["chart"], len(res.data)
    ('u', 36)
    """
    from spc.qic import qic

    if not isinstance(data, pd.DataFrame):
        from spc.io import load

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
                f"{measure_id}: change-log phase start(s) not applied because a phase would "
                f"have fewer than {MIN_PHASE_POINTS} points: {', '.join(skipped)}; the changes "
                "are still annotated on the chart",
                SPCWarning,
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
        chosen = settings.qic_overrides(
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
