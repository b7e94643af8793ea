"""Simulations for teaching: stable processes, shifts, rare events and league tables.

The teaching notebooks (``notebooks/teaching/``) use these to show, with numbers a learner can
re-run, what noise looks like, how quickly each rule set notices a real change, and why ranking
teams misleads. Everything is seeded (``seed=``) so a class sees the same pictures, and nothing
here imports matplotlib: the functions return tidy DataFrames that ``spc.qic`` or a few lines of
plotting can use.

>>> from spc.engine import simulate
>>> df = simulate.simulate_process(n_points=24, mean=6, kind="poisson", seed=1)
>>> list(df.columns)
['series', 'month', 'value']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from spc.engine.pipeline import qic
from spc.errors import SPCError, SPCWarning

__all__ = [
    "detection_table",
    "league_table",
    "limit_spread",
    "month_on_month",
    "monthly_counts",
    "rag_ratings",
    "rare_event_detection",
    "simulate_events",
    "simulate_process",
    "simulate_ward",
]

#: First month of every simulated series (a plain, recent-looking date; the data are invented).
START = "2022-04-01"


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _months(n: int, start: str = START) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def simulate_process(
    n_points: int = 24,
    mean: float = 10.0,
    sd: float = 1.0,
    kind: str = "normal",
    shift: float = 0.0,
    shift_at: int | None = None,
    n_series: int = 1,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Monthly values from a stable process, optionally with one sustained shift.

    ``kind="normal"``: value = mean + sd x noise; ``kind="poisson"``: a count with that mean
    (``sd`` is ignored, a Poisson count's SD is the square root of its mean). From point
    ``shift_at`` (0-based) on, ``shift`` is added to the mean (in the value's own unit), so
    ``shift=0`` is a stable process where every up and down is noise.

    Returns one row per series and month: ``series`` (1, 2, ...), ``month`` (first of the month,
    from April 2022) and ``value``.

    >>> simulate_process(n_points=3, n_series=2, seed=0).shape
    (6, 3)
    """
    if n_points < 1 or n_series < 1:
        raise SPCError(f"n_points and n_series must be at least 1 (got {n_points}, {n_series})")
    if kind not in ("normal", "poisson"):
        raise SPCError(f"kind must be 'normal' or 'poisson' (got {kind!r})")
    rng = _rng(seed)
    means = np.full((n_series, n_points), float(mean))
    if shift_at is not None:
        means[:, shift_at:] += shift
    if kind == "normal":
        values = means + sd * rng.standard_normal(means.shape)
    else:
        if (means < 0).any():
            raise SPCError("a Poisson mean cannot be negative: reduce the shift or raise mean")
        values = rng.poisson(means).astype(float)
    return pd.DataFrame(
        {
            "series": np.repeat(np.arange(1, n_series + 1), n_points),
            "month": np.tile(_months(n_points), n_series),
            "value": values.ravel(),
        }
    )


def simulate_ward(
    n_months: int = 36,
    rate_per_1000: float = 6.0,
    bed_days: float = 800.0,
    effect: float = 1.0,
    effect_at: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """One ward's monthly falls and occupied bed days (Poisson counts around a rate).

    ``bed_days`` is the average per month (each month varies by about 5 %, as real occupancy
    does); from month ``effect_at`` (0-based) the rate is multiplied by ``effect`` (0.6 means a
    40 % reduction). Returns ``month``, ``falls``, ``bed_days`` and ``rate`` (per 1,000).

    >>> simulate_ward(n_months=12, seed=3)["falls"].dtype.kind
    'i'
    """
    rng = _rng(seed)
    exposure = np.round(bed_days * rng.uniform(0.95, 1.05, n_months))
    rate = np.full(n_months, rate_per_1000 / 1000)
    if effect_at is not None:
        rate[effect_at:] *= effect
    falls = rng.poisson(rate * exposure)
    return pd.DataFrame(
        {
            "month": _months(n_months),
            "falls": falls.astype(int),
            "bed_days": exposure,
            "rate": falls / exposure * 1000,
        }
    )


def month_on_month(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Each month compared with the month before, as a two-point comparison would.

    Returns ``value``, ``change`` (this month minus last), ``pct_change`` (in %) and
    ``direction`` (``"up"``, ``"down"``, ``"same"``; empty for the first month).

    >>> month_on_month([5, 8, 4])["direction"].tolist()
    ['', 'up', 'down']
    """
    v = pd.Series(np.asarray(values, dtype=float))
    change = v.diff()
    direction = np.select([change > 0, change < 0, change == 0], ["up", "down", "same"], "")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = change / v.shift(1).abs() * 100
    return pd.DataFrame({"value": v, "change": change, "pct_change": pct, "direction": direction})


def rag_ratings(
    values: Sequence[float] | pd.Series,
    target: float,
    amber: float = 0.1,
    improvement: str = "decrease",
) -> pd.Series:
    """Red/amber/green rating of each value against a target, as many dashboards do.

    Green: on the good side of ``target``; amber: within ``amber`` (a fraction, 0.1 = 10 %) of
    it on the bad side; red: further away. ``improvement`` says which side is good.

    >>> rag_ratings([4, 5.2, 7], target=5).tolist()
    ['green', 'amber', 'red']
    """
    if improvement not in ("increase", "decrease"):
        raise SPCError(f"improvement must be 'increase' or 'decrease' (got {improvement!r})")
    v = np.asarray(values, dtype=float)
    # "how far on the bad side", as a fraction of the target: <= 0 is on target
    gap = (v - target) / abs(target) if improvement == "decrease" else (target - v) / abs(target)
    rag = np.select([gap <= 0, gap <= amber], ["green", "amber"], "red")
    return pd.Series(rag, name="rag")


def _truncations(y: np.ndarray, baseline: int) -> pd.DataFrame:
    """Every simulated series cut at every length from ``baseline + 1`` to full, stacked.

    Charting each cut answers "would the chart have signalled by this month?", which is how a
    team sees a chart grow month by month. One frame lets ``spc.qic`` do all cuts at once.
    """
    n_sims, n_pts = y.shape
    frames = []
    pos = np.arange(n_pts)
    for length in range(baseline + 1, n_pts + 1):
        keep = pos < length
        frames.append(
            pd.DataFrame(
                {
                    "sim": np.repeat(np.arange(n_sims), keep.sum()),
                    "length": length,
                    "x": np.tile(pos[keep], n_sims),
                    "y": y[:, keep].ravel(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["key"] = out["sim"] * 10_000 + out["length"]
    return out


def detection_table(
    shifts: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
    rule_sets: Sequence[str] = ("anhoej", "ihi"),
    n_simulations: int = 200,
    baseline: int = 12,
    after: int = 24,
    chart: str = "run",
    seed: int = 2024,
) -> pd.DataFrame:
    """How often, and how quickly, each rule set signals a sustained shift of a given size.

    Each simulation is ``baseline`` stable points (mean 0, SD 1) then ``after`` points shifted
    by ``shift`` standard deviations. The chart's centre is frozen on the baseline (as a team
    would after agreeing its baseline), and the chart is re-drawn as each new month arrives;
    the detection time is the number of months after the shift until the chart first shows a
    signal. A signal with ``shift=0`` is a false alarm. The same simulated data are used for
    every rule set, so the comparison is fair.

    Returns one row per shift and rule set: ``shift`` (SDs), ``rules``, ``detected`` (share of
    simulations that signalled within ``after`` months, 0-1), ``median_months`` (median months
    to the first signal among those that did; NaN if none) and ``n_simulations``.

    >>> t = detection_table(shifts=(0, 2), n_simulations=20, after=12)
    >>> sorted(t.columns)
    ['detected', 'median_months', 'n_simulations', 'rules', 'shift']
    """
    if n_simulations < 1 or baseline < 2 or after < 1:
        raise SPCError("n_simulations and after must be at least 1, and baseline at least 2")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_simulations, baseline + after))
    rows = []
    for shift in shifts:
        y = noise.copy()
        y[:, baseline:] += shift
        cuts = _truncations(y, baseline)
        for rules in rule_sets:
            res = qic(cuts, x="x", y="y", chart=chart, facet="key", freeze=baseline, rules=rules)
            flagged = res.data.groupby("key", sort=False)["signal"].any()
            keys = flagged.index.to_numpy()
            signalled = pd.DataFrame(
                {"sim": keys // 10_000, "length": keys % 10_000, "signal": flagged.to_numpy()}
            )
            first = signalled[signalled["signal"]].groupby("sim")["length"].min()
            months = first - baseline
            rows.append(
                {
                    "shift": float(shift),
                    "rules": rules,
                    "detected": len(first) / n_simulations,
                    "median_months": float(months.median()) if len(months) else np.nan,
                    "n_simulations": n_simulations,
                }
            )
    return pd.DataFrame(rows)


def simulate_events(
    rate_per_year: float = 6.0,
    n_days: int = 1095,
    factor: float = 1.0,
    change_day: int | None = None,
    start: str = START,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Dates of rare events (e.g. falls with harm) from a Poisson process, and days between.

    Events happen at ``rate_per_year`` on average; from day ``change_day`` the rate is
    multiplied by ``factor`` (0.5 halves it). Returns ``date``, ``days_between`` (days since the
    previous event; the first event has none and is left out, as ``spc.load`` does) and
    ``after_change`` (bool).

    >>> ev = simulate_events(rate_per_year=12, n_days=365, seed=1)
    >>> bool((ev["days_between"] > 0).all())
    True
    """
    rng = _rng(seed)
    base = rate_per_year / 365.25
    times: list[float] = []
    t = 0.0
    while True:
        rate = base * (factor if change_day is not None and t >= change_day else 1.0)
        gap = rng.exponential(1 / rate)
        # memoryless: a gap that crosses the change day is redrawn from the change day onwards
        if change_day is not None and t < change_day <= t + gap:
            t = float(change_day)
            continue
        t += gap
        if t >= n_days:
            break
        times.append(t)
    arr = np.asarray(times)
    dates = pd.Timestamp(start) + pd.to_timedelta(arr, unit="D")
    out = pd.DataFrame(
        {
            "date": dates,
            "days_between": np.r_[np.nan, np.diff(arr)],
            "after_change": arr >= (change_day if change_day is not None else np.inf),
        }
    )
    return out.iloc[1:].reset_index(drop=True)


def monthly_counts(
    events: pd.DataFrame,
    bed_days: float = 800.0,
    start: str = START,
    n_months: int | None = None,
) -> pd.DataFrame:
    """Count events per calendar month (months with none get 0), with constant bed days.

    Returns ``month``, ``events`` and ``bed_days``, ready for a u chart.

    >>> ev = pd.DataFrame({"date": pd.to_datetime(["2022-04-03", "2022-06-09"])})
    >>> monthly_counts(ev, n_months=3)["events"].tolist()
    [1, 0, 1]
    """
    months = events["date"].dt.to_period("M").dt.to_timestamp()
    first = pd.Timestamp(start)
    last = months.max() if n_months is None else first + pd.DateOffset(months=n_months - 1)
    index = pd.date_range(first, last, freq="MS")
    counts = months.value_counts().reindex(index, fill_value=0).sort_index()
    return pd.DataFrame(
        {"month": index, "events": counts.to_numpy().astype(int), "bed_days": float(bed_days)}
    )


def league_table(
    n_teams: int = 12,
    n_years: int = 4,
    rate_per_1000: float = 6.0,
    bed_days_range: tuple[float, float] = (6000.0, 12000.0),
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Yearly falls of teams that are all *identical* (same true rate), ranked as league tables do.

    Each team keeps its size (yearly bed days, drawn once from ``bed_days_range``); falls are
    Poisson. Returns ``team``, ``year``, ``falls``, ``bed_days``, ``rate`` (per 1,000) and
    ``rank`` (1 = lowest rate that year). Any movement in the ranks is pure chance.

    >>> lt = league_table(n_teams=5, n_years=2, seed=0)
    >>> sorted(lt["rank"].unique().tolist())
    [1, 2, 3, 4, 5]
    """
    rng = _rng(seed)
    teams = [f"Team {chr(ord('A') + i)}" if i < 26 else f"Team {i + 1}" for i in range(n_teams)]
    size = np.round(rng.uniform(*bed_days_range, n_teams))
    rows = []
    for year in range(1, n_years + 1):
        falls = rng.poisson(rate_per_1000 / 1000 * size)
        rate = falls / size * 1000
        # ties broken by team order so the table is reproducible
        rank = pd.Series(rate).rank(method="first").astype(int).to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "team": teams,
                    "year": year,
                    "falls": falls,
                    "bed_days": size,
                    "rate": rate,
                    "rank": rank,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def limit_spread(
    baselines: Sequence[int] = (6, 12, 20),
    n_simulations: int = 200,
    n_points: int = 36,
    seed: int = 2024,
) -> pd.DataFrame:
    """How much the upper control limit wobbles when it is set on a short or long baseline.

    Stable series (mean 10, SD 1, so the true upper limit is 13) get an I chart frozen on
    the first ``baseline`` points. Returns one row per baseline length: ``baseline``,
    ``ucl_mean``, ``ucl_low`` and ``ucl_high`` (the 5th and 95th percentiles over the
    simulations) and ``false_alarm`` (share of series with a point outside the limits after
    the baseline, though nothing changed).

    >>> limit_spread((6, 20), n_simulations=20)["baseline"].tolist()
    [6, 20]
    """
    sims = simulate_process(n_points=n_points, mean=10, sd=1, n_series=n_simulations, seed=seed)
    rows = []
    for b in baselines:
        if not 2 <= b <= n_points:
            raise SPCError(f"baseline lengths must be between 2 and {n_points} (got {b})")
        d = qic(sims, x="month", y="value", chart="i", facet="series", freeze=b).data
        ucl = d.groupby("series")["ucl"].first()
        after = d[d["xx"] > b]
        alarms = after.groupby("series")["sigma_signal"].any()
        rows.append(
            {
                "baseline": b,
                "ucl_mean": float(ucl.mean()),
                "ucl_low": float(ucl.quantile(0.05)),
                "ucl_high": float(ucl.quantile(0.95)),
                "false_alarm": float(alarms.mean()),
            }
        )
    return pd.DataFrame(rows)


def rare_event_detection(
    n_simulations: int = 200,
    rate_per_year: float = 4.0,
    factor: float = 0.4,
    n_days: int = 1095,
    change_day: int = 548,
    bed_days: float = 800.0,
    seed: int = 2024,
) -> pd.DataFrame:
    """Share of simulated wards where a u chart and a T chart show the improvement.

    Each ward has rare events (``rate_per_year``) whose rate is multiplied by ``factor`` from
    ``change_day``. The u chart counts events per month (per 1,000 bed days); the T chart plots
    the days between events. ``detected`` is the share of wards whose chart marks at least one
    point after the change as special cause improvement (Anhøj rules, one phase). With
    ``factor=1`` nothing changes, so ``detected`` is the false-alarm rate: with near-zero
    monthly counts the u chart's median is 0 and its runs analysis flags "improvement" in many
    wards where nothing changed.

    >>> rare_event_detection(n_simulations=10)["chart"].tolist()
    ['u', 't']
    """
    rng = np.random.default_rng(seed)
    months, gaps = [], []
    for i in range(n_simulations):
        ev = simulate_events(rate_per_year, n_days, factor, change_day, seed=rng)
        mc = monthly_counts(ev, bed_days=bed_days, n_months=round(n_days / 30.4375))
        months.append(mc.assign(sim=i))
        gaps.append(ev.assign(sim=i))
    change = pd.Timestamp(START) + pd.Timedelta(days=change_day)
    out = []
    u = qic(
        pd.concat(months),
        x="month",
        y="events",
        n="bed_days",
        chart="u",
        multiply=1000,
        facet="sim",
        improvement="decrease",
    ).data
    # short T-chart phases are expected with rare events; their trial-limit warning is noise here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        t = qic(
            pd.concat(gaps),
            x="date",
            y="days_between",
            chart="t",
            facet="sim",
            improvement="increase",
        ).data
    for name, d in (("u", u), ("t", t)):
        hit = (d["x"] >= change) & (d["point_type"] == "special_cause_improvement")
        out.append(
            {
                "chart": name,
                "detected": float(hit.groupby(d["sim"]).any().mean()),
                "n_simulations": n_simulations,
            }
        )
    return pd.DataFrame(out)
