"""The measures catalogue: what collaboratives measure, how each is built, and its default chart.

The catalogue ships with the package (``spc/data/measures.toml``). Teams add or override measures
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from spc.chart_types import CHART_TYPES
from spc.errors import SPCError, did_you_mean

__all__ = [
    "CatalogueError",
    "Measure",
    "get_measure",
    "load_catalogue",
    "measures",
]

MEASURE_TYPES = ("outcome", "process", "balancing")
IMPROVEMENTS = ("increase", "decrease", "neutral")
SOURCES = ("ward-monthly", "safety-thermometer", "events")


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
    ``event_type`` from the event log. ``rare_events_measure`` names the measure to read where
    this one has too few events for run rules (a days-between measure of the same events).
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
    rare_events_measure: str | None = None

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
        "chart": tuple(CHART_TYPES),
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
        from spc.data.templates import EVENT_SEVERITIES

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
        kind = CHART_TYPES.get(values.get("chart"))
        if kind is not None and kind.needs_n and not values["denominator"]:
            bad("denominator", f"a {values.get('chart')} chart needs a denominator column")
    alternative = values.get("rare_events_measure")
    if alternative is not None and (not isinstance(alternative, str) or not alternative.strip()):
        bad("rare_events_measure", "must be a measure id in quotes, or left out")
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
    shipped = resources.files("spc.data").joinpath("measures.toml")
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
    sources: list[tuple[str, dict[str, Any]]] = [("spc/data/measures.toml", _shipped_table())]
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
    for mid, m in catalogue.items():
        alt = m.rare_events_measure
        if alt is not None and alt not in catalogue:
            problems.append(
                f"entry {mid!r}, field 'rare_events_measure': {alt!r} is not a measure id"
                f"{did_you_mean(alt, catalogue)}"
            )
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
    min_denominator, rare_events_measure, definition.

    >>> m = measures()
    >>> m.loc["harm_free_percent", "chart"], float(m.loc["harm_free_percent", "target"])
    ('p', 95.0)
    """
    rows = [m.as_dict() for m in load_catalogue(extra).values()]
    order = [
        "id", "title", "topic", "type", "source", "numerator", "denominator", "event_type",
        "severities", "multiplier", "unit", "chart", "improvement", "target", "min_denominator",
        "rare_events_measure", "definition",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=order).set_index("id")
