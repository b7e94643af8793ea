"""Simulated collaboratives in the project's own templates, to check verdicts by simulation.

:func:`simulate_collaborative` invents the monthly returns, survey, harm events and change log
of any number of wards, each following a :class:`WardPlan` (stable, improving after a change,
deteriorating; the change logged as a note, as a new phase, or not at all). The frames have the
templates' columns, so :func:`write_collaborative` writes files that ``spc.load`` reads like any
team's, and the verdicts can be scored against the truth the plans state
(``benchmarks/bench_verdicts.py``, ``tests/test_verdicts.py``).

Rates follow ``../shared/measures.md`` and ``data/example/README.md``: falls 9, 6 and 3 per
1,000 occupied bed days on care of older people (ELM), general medicine (OAK) and surgical (ASH)
wards, about 3.5 % of falls with moderate or worse harm, new category 2+ pressure ulcers 2.0,
1.4 and 0.8 per 1,000 bed days, hospital-acquired thrombosis about 1 per 1,000 bed days, major
bleeds 1.5 per 1,000 admissions, VTE risk assessment 91 %. Every number is invented.

>>> plans = [WardPlan("W1", "OAK"), WardPlan("W2", "OAK", change=18, falls_factor=0.6)]
>>> frames = simulate_collaborative(plans, months=30, seed=1)
>>> sorted(frames), len(frames["ward-monthly"])
(['changes', 'events', 'safety-thermometer', 'ward-monthly'], 60)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spc.data.template_files import write_template
from spc.errors import SPCError

__all__ = ["WARD_TYPES", "WardPlan", "simulate_collaborative", "write_collaborative"]

#: Ward type -> (beds, falls per 1,000 OBD, new category 2+ PUs per 1,000 OBD, admissions per
#: bed per month).
WARD_TYPES: dict[str, tuple[int, float, float, float]] = {
    "ELM": (28, 9.0, 2.0, 3.2),
    "OAK": (30, 6.0, 1.4, 5.3),
    "ASH": (26, 3.0, 0.8, 8.5),
}
_FALL_SPLIT = [0.655, 0.31, 0.025, 0.008, 0.002]  # no harm, low, moderate, severe, death
_FALL_COLS = ["falls_no_harm", "falls_low", "falls_moderate", "falls_severe", "falls_death"]
_FALL_SEV = ["no_harm", "low", "moderate", "severe", "death"]
_PU_SPLIT = [0.70, 0.12, 0.03, 0.07, 0.08]
_PU_COLS = ["pu_new_cat2", "pu_new_cat3", "pu_new_cat4", "pu_new_unstageable", "pu_new_dti"]
_PU_SEV = ["category_2", "category_3", "category_4", "unstageable", "dti"]
_LOGGED = ("none", "note", "phase")


@dataclass(frozen=True)
class WardPlan:
    """What happens on one simulated ward.

    ``change``: month index (0-based) of the team's first change, None for none. ``logged``:
    how the change log records it: ``"note"`` (``new_phase = no``), ``"phase"``
    (``new_phase = yes``) or ``"none"`` (not logged). ``topic``: the change log's measure
    column (a topic or measure id; ``""`` for every topic). From the change on, the falls and
    pressure-ulcer rates are multiplied by ``falls_factor`` and ``pu_factor`` and VTE risk
    assessment becomes ``vte_after`` (a proportion) when given.
    """

    team: str
    ward_type: str = "OAK"
    change: int | None = None
    logged: str = "note"
    topic: str = "falls"
    falls_factor: float = 1.0
    pu_factor: float = 1.0
    vte_after: float | None = None


def simulate_collaborative(
    plans: Sequence[WardPlan],
    months: int = 36,
    seed: int | np.random.Generator | None = None,
    start: str = "2021-04-01",
) -> dict[str, pd.DataFrame]:
    """The four template frames (``ward-monthly``, ``safety-thermometer``, ``events``,
    ``changes``) of a collaborative whose wards follow ``plans`` for ``months`` months.

    Counts are Poisson, binomial and multinomial draws around the rates in the module
    docstring; harm events are consistent with the monthly counts. Seeded and deterministic.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    calendar = pd.date_range(start, periods=months, freq="MS")
    monthly, survey, events, changes = [], [], [], []
    for plan in plans:
        if plan.ward_type not in WARD_TYPES:
            raise SPCError(f"unknown ward type {plan.ward_type!r}; choose {', '.join(WARD_TYPES)}")
        if plan.logged not in _LOGGED:
            raise SPCError(f"logged must be one of {', '.join(_LOGGED)} (got {plan.logged!r})")
        beds, falls_rate, pu_rate, adm_per_bed = WARD_TYPES[plan.ward_type]
        after = np.zeros(months, dtype=bool)
        if plan.change is not None:
            after[plan.change :] = True
        days = calendar.days_in_month.to_numpy()
        obd = np.round(beds * days * rng.uniform(0.86, 0.97, months)).astype(int)
        admissions = rng.poisson(beds * adm_per_bed * days / 30.4)
        falls = rng.poisson(falls_rate * np.where(after, plan.falls_factor, 1.0) * obd / 1000)
        pus = rng.poisson(pu_rate * np.where(after, plan.pu_factor, 1.0) * obd / 1000)
        ra_p = np.where(after & (plan.vte_after is not None), plan.vte_after or 0.0, 0.91)
        ra_den = rng.binomial(admissions, 0.97)
        proph_den = rng.integers(12, 26, months)
        frame = pd.DataFrame(
            {
                "trust": "Simulated Trust",
                "ward": plan.team,
                "month": calendar,
                "occupied_bed_days": obd,
                "admissions": admissions,
                "falls_total": falls,
                "enhanced_obs_hours": np.round(rng.gamma(8, 150 * obd / 1000 / 8) * 2) / 2,
                "pu_present_on_admission": rng.poisson(adm_per_bed * 0.6, months),
                "masd_reported": rng.poisson(1.2 * obd / 1000),
                "vte_ra_num": rng.binomial(ra_den, ra_p),
                "vte_ra_den": ra_den,
                "prophylaxis_num": rng.binomial(proph_den, 0.9),
                "prophylaxis_den": proph_den,
                "hat_total": rng.poisson(1.0 * obd / 1000),
                "major_bleeds": rng.poisson(0.0015 * admissions),
            }
        )
        frame[_FALL_COLS] = np.stack([rng.multinomial(f, _FALL_SPLIT) for f in falls])
        frame[_PU_COLS] = np.stack([rng.multinomial(p, _PU_SPLIT) for p in pus])
        monthly.append(frame)
        events.append(_events(rng, plan.team, frame, days))
        survey.append(_survey(rng, plan, calendar, after, beds))
        if plan.change is not None and plan.logged != "none":
            changes.append(
                {
                    "team": plan.team,
                    "date": calendar[plan.change] + pd.Timedelta(days=9),
                    "change": "Simulated change",
                    "cycle": "PDSA 1",
                    "measure": plan.topic,
                    "new_phase": "yes" if plan.logged == "phase" else "no",
                }
            )
    columns = ["team", "date", "change", "cycle", "measure", "new_phase"]
    return {
        "ward-monthly": pd.concat(monthly, ignore_index=True),
        "safety-thermometer": pd.concat(survey, ignore_index=True),
        "events": pd.concat(events, ignore_index=True).sort_values(["ward", "date"]),
        "changes": pd.DataFrame(changes, columns=columns),
    }


def _events(
    rng: np.random.Generator, team: str, frame: pd.DataFrame, days: np.ndarray
) -> pd.DataFrame:
    """Dated harm events consistent with the monthly counts (falls with moderate or worse
    harm, every new category 2+ pressure ulcer, every hospital-acquired thrombosis)."""
    rows = []
    months = frame["month"].to_numpy()
    for kind, cols, sevs in (
        ("fall", _FALL_COLS[2:], _FALL_SEV[2:]),
        ("pressure_ulcer", _PU_COLS, _PU_SEV),
    ):
        for col, sev in zip(cols, sevs, strict=True):
            counts = frame[col].to_numpy()
            for i in np.flatnonzero(counts):
                for _ in range(int(counts[i])):
                    rows.append((kind, sev, months[i], int(rng.integers(days[i]))))
    hat = frame["hat_total"].to_numpy()
    for i in np.flatnonzero(hat):
        for _ in range(int(hat[i])):
            rows.append(("vte", "dvt" if rng.random() < 0.7 else "pe", months[i], 0))
    out = pd.DataFrame(rows, columns=["event_type", "severity", "month", "day"])
    out["date"] = pd.to_datetime(out["month"]) + pd.to_timedelta(out["day"], unit="D")
    out["trust"], out["ward"] = "Simulated Trust", team
    return out[["trust", "ward", "date", "event_type", "severity"]]


def _survey(
    rng: np.random.Generator,
    plan: WardPlan,
    calendar: pd.DatetimeIndex,
    after: np.ndarray,
    beds: int,
) -> pd.DataFrame:
    """One Safety Thermometer survey day a month (harms as in the example collaborative)."""
    surveyed = rng.binomial(beds, 0.92, calendar.size)
    pu_f = np.where(after, plan.pu_factor, 1.0)
    fall_f = np.where(after, plan.falls_factor, 1.0)
    rows = []
    for n, pf, ff in zip(surveyed, pu_f, fall_f, strict=True):
        new_pu = rng.random(n) < 0.025 * pf
        old_pu = rng.random(n) < 0.045
        fall_harm = rng.random(n) < 0.01 * ff
        cauti = rng.random(n) < 0.012
        new_vte = rng.random(n) < 0.006
        new_harm = new_pu | fall_harm | cauti | new_vte
        rows.append(
            (n, int((~(new_harm | old_pu)).sum()), int((~new_harm).sum()), int(new_pu.sum()),
             int(old_pu.sum()), int(fall_harm.sum()), int(cauti.sum()), int(new_vte.sum()))
        )  # fmt: skip
    out = pd.DataFrame(
        rows,
        columns=[
            "patients_surveyed", "harm_free", "harm_free_new", "patients_new_pu",
            "patients_old_pu", "patients_fall_harm", "patients_catheter_uti",
            "patients_new_vte",
        ],
    )  # fmt: skip
    out.insert(0, "month", calendar)
    out.insert(0, "ward", plan.team)
    out.insert(0, "trust", "Simulated Trust")
    return out


def write_collaborative(frames: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write the frames of :func:`simulate_collaborative` as CSV files in the templates'
    formats into ``folder``; return the paths (ready for ``spc.load``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        if name == "changes" and frame.empty:
            continue
        paths.append(
            write_template(name, folder / f"{name}.csv", "csv", data=frame, overwrite=True)
        )
    return paths
