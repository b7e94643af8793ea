"""Hand-built result frames that follow docs/result-frame.md, for plotting/caption tests.

Independent of the engine on purpose: plotting tests then pin the *contract*, and a drift in
``spc.qic`` output shows up in the engine-backed tests instead. The maths here is deliberately
simple (qicharts2 formulas for run/i/u/p/c, Anhoej rules), enough to produce realistic frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class FakeResult:
    """Stand-in for ``QICResult``: ``.data``, ``.options`` and ``.summary()``."""

    data: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        keys = [*(self.options.get("facet") or []), "part"]
        rows = []
        for key, g in self.data.groupby(keys, sort=False):
            row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            row.update(cl=g["cl"].mean(), variation_type=g["point_type"].iloc[-1])
            rows.append(row)
        out = pd.DataFrame(rows)
        out["assurance_type"] = None
        if self.options.get("target") is not None and self.options.get("improvement") in (
            "increase",
            "decrease",
        ):
            for i, r in out.iterrows():
                g = self.data
                for f in self.options.get("facet") or []:
                    g = g[g[f] == r[f]]
                last = g.iloc[-1]
                up = self.options["improvement"] == "increase"
                t, lo, hi = last["target"], last["lcl"], last["ucl"]
                if (up and t <= lo) or (not up and t >= hi):
                    out.loc[i, "assurance_type"] = "consistent_pass"
                elif (up and t > hi) or (not up and t < lo):
                    out.loc[i, "assurance_type"] = "consistent_fail"
                else:
                    out.loc[i, "assurance_type"] = "inconsistent"
        return out


def _binom_q05(n: int) -> float:
    # qbinom(0.05, n, 0.5): smallest k with P(X <= k) >= 0.05
    total, acc = 2.0**n, 0.0
    for k in range(n + 1):
        acc += math.comb(n, k) / total
        if acc >= 0.05:
            return float(k)
    return float(n)


def _anhoej(y: np.ndarray, cl: float, useful_mask: np.ndarray) -> dict[str, Any]:
    side = np.sign(y - cl)
    side[~useful_mask] = 0
    idx = np.flatnonzero(side != 0)
    s = side[idx]
    n_useful = len(idx)
    runs = np.ones(len(s), dtype=int)  # run id per useful point
    longest, crossings = 0, 0
    run_len = np.zeros(len(s), dtype=int)
    start = 0
    for i in range(1, len(s) + 1):
        if i == len(s) or s[i] != s[i - 1]:
            run_len[start:i] = i - start
            longest = max(longest, i - start)
            if i < len(s):
                crossings += 1
            start = i
    lr_max = round(math.log2(n_useful) + 3) if n_useful else np.nan
    nc_min = _binom_q05(n_useful - 1) if n_useful > 1 else np.nan
    in_long = np.zeros(len(y), dtype=bool)
    if n_useful:
        in_long[idx[run_len > lr_max]] = True
    del runs
    few = bool(n_useful > 1 and crossings < nc_min)
    return dict(
        n_useful=n_useful,
        longest_run=float(longest),
        longest_run_max=float(lr_max),
        n_crossings=float(crossings),
        n_crossings_min=float(nc_min),
        in_long=in_long,
        few=few,
    )


def make_frame(
    y: list[float] | np.ndarray,
    n: list[float] | np.ndarray | None = None,
    *,
    chart: str = "u",
    x: Any = None,
    multiply: float = 1,
    parts: list[int] | None = None,
    freeze: int | None = None,
    exclude: list[int] | None = None,
    target: float | None = None,
    improvement: str | None = None,
) -> pd.DataFrame:
    """One facet's result frame. ``parts`` are 1-based start positions of new phases."""
    y = np.asarray(y, dtype=float)
    m = len(y)
    if x is None:
        x = pd.date_range("2021-01-01", periods=m, freq="MS")
    nn = np.full(m, np.nan) if n is None else np.asarray(n, dtype=float)
    include = np.ones(m, dtype=bool)
    for e in exclude or []:
        include[e - 1] = False
    part = np.ones(m, dtype=int)
    for k, start in enumerate(sorted(parts or []), start=2):
        part[start - 1 :] = k
    yy = y / nn if chart in ("u", "p") else y.copy()
    cols: dict[str, np.ndarray] = {
        k: np.full(m, np.nan) for k in ("cl", "lcl", "ucl", "lcl_95", "ucl_95")
    }
    baseline = np.zeros(m, dtype=bool)
    extra = {
        k: np.zeros(m)
        for k in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings")
    }
    extra["n_crossings_min"] = np.zeros(m)
    rule_long = np.zeros(m, dtype=bool)
    rule_few = np.zeros(m, dtype=bool)
    runs_signal = np.zeros(m, dtype=bool)
    for p in np.unique(part):
        rows = np.flatnonzero(part == p)
        base = rows[include[rows]]
        if freeze is not None and p == 1:
            base = base[base < freeze]
        baseline[base] = True
        if chart == "run":
            cl = float(np.median(yy[base]))
            sig = np.full(len(rows), np.nan)
        elif chart == "i":
            cl = float(yy[base].mean())
            mr = np.abs(np.diff(yy[base])).mean()
            sig = np.full(len(rows), mr / 1.128)
        elif chart == "c":
            cl = float(yy[base].mean())
            sig = np.full(len(rows), math.sqrt(cl))
        elif chart == "u":
            cl = float(y[base].sum() / nn[base].sum())
            sig = np.sqrt(cl / nn[rows])
        elif chart == "p":
            cl = float(y[base].sum() / nn[base].sum())
            sig = np.sqrt(cl * (1 - cl) / nn[rows])
        else:  # pragma: no cover - builder only supports these
            raise ValueError(chart)
        cols["cl"][rows] = cl
        cols["ucl"][rows] = cl + 3 * sig
        cols["lcl"][rows] = cl - 3 * sig
        cols["ucl_95"][rows] = cl + 2 * sig
        cols["lcl_95"][rows] = cl - 2 * sig
        a = _anhoej(yy[rows], cl, include[rows])
        rule_long[rows] = a["in_long"]
        rule_few[rows] = a["few"] & include[rows]
        runs_signal[rows] = bool(a["in_long"].any() or a["few"])
        extra["n_obs"][rows] = include[rows].sum()
        for k in ("n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min"):
            extra[k][rows] = a[k]
    if chart in ("u", "p", "c"):
        cols["lcl"] = np.clip(cols["lcl"], 0, None)
        cols["lcl_95"] = np.clip(cols["lcl_95"], 0, None)
    for k in cols:
        cols[k] = cols[k] * multiply
    y_plot = yy * multiply
    rule_sigma = include & ((y_plot > cols["ucl"]) | (y_plot < cols["lcl"]))
    signal = rule_sigma | rule_long | rule_few
    sct = np.where(
        rule_sigma, "rule_sigma", np.where(rule_long, "rule_long_run", np.where(rule_few, "rule_few_crossings", "Common Cause"))
    )
    high = y_plot > cols["cl"]
    if improvement in ("increase", "decrease"):
        good = high if improvement == "increase" else ~high
        pt = np.where(
            signal,
            np.where(good, "special_cause_improvement", "special_cause_concern"),
            "common_cause",
        )
    else:
        pt = np.where(
            signal,
            np.where(high, "special_cause_neutral_high", "special_cause_neutral_low"),
            "common_cause",
        )
    xx = np.arange(1, m + 1)
    counts = pd.Series(part).map(pd.Series(part).value_counts())
    return pd.DataFrame(
        {
            "x": x,
            "y_sum": y,
            "y_length": np.ones(m),
            "y_mean": y,
            "y_sd": np.full(m, np.nan),
            "n": nn,
            "y": y_plot,
            **cols,
            "target": np.full(m, np.nan if target is None else float(target)),
            "part": part,
            "xx": xx,
            "baseline": baseline,
            "include": include,
            "n_obs": extra["n_obs"].astype(int),
            "n_useful": extra["n_useful"].astype(int),
            "longest_run": extra["longest_run"],
            "longest_run_max": extra["longest_run_max"],
            "n_crossings": extra["n_crossings"],
            "n_crossings_min": extra["n_crossings_min"],
            "runs_signal": runs_signal,
            "sigma_signal": rule_sigma,
            "rule_sigma": rule_sigma,
            "rule_long_run": rule_long,
            "rule_few_crossings": rule_few,
            "signal": signal,
            "special_cause_type": sct,
            "point_type": pt,
            "short_group_warning": (counts < 13).to_numpy(),
        }
    )


def make_result(
    y: Any = None,
    n: Any = None,
    *,
    chart: str = "u",
    facets: dict[str, tuple[Any, Any]] | None = None,
    facet_name: str = "ward",
    y_name: str = "falls",
    n_name: str | None = "bed_days",
    **kw: Any,
) -> FakeResult:
    """A ``FakeResult`` for one series, or for ``facets={name: (y, n)}``."""
    if facets is None:
        data = make_frame(y, n, chart=chart, **kw)
        facet_list: list[str] = []
    else:
        frames = []
        for name, (fy, fn) in facets.items():
            f = make_frame(fy, fn, chart=chart, **kw)
            f.insert(0, facet_name, name)
            frames.append(f)
        data = pd.concat(frames, ignore_index=True)
        facet_list = [facet_name]
    options = dict(
        chart=chart,
        x="month",
        y=y_name,
        n=n_name if chart in ("u", "p") else None,
        facet=facet_list,
        multiply=kw.get("multiply", 1),
        rules="anhoej",
        improvement=kw.get("improvement"),
        method="anhoej",
        freeze=kw.get("freeze"),
        part=kw.get("parts"),
        exclude=kw.get("exclude"),
        target=kw.get("target"),
    )
    return FakeResult(data=data, options=options)


def falls_series(m: int = 36, seed: int = 1, shift_at: int | None = 24) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic monthly falls and bed days (~6 per 1,000), falling to ~3.5 from ``shift_at``."""
    rng = np.random.default_rng(seed)
    bed_days = rng.integers(700, 1400, size=m).astype(float)
    rate = np.full(m, 0.0065)
    if shift_at is not None:
        rate[shift_at:] = 0.0035
    falls = rng.poisson(rate * bed_days).astype(float)
    return falls, bed_days
