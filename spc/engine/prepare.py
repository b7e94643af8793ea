"""Validate qic's arguments and data once, up front, then aggregate to one row per subgroup.

Checks live here (:func:`validate_frame`) so every message names the column, the offending
rows (by the DataFrame's index label) and how to fix it. Aggregation follows qicharts2's
``qic.agg`` exactly, but vectorised: rows are sorted by facet then x, and per-subgroup sums,
counts, means and SDs come from ``np.bincount`` over group ids.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spc.engine._segments import group_starts
from spc.errors import SPCError

AGG_FUNCTIONS = ("mean", "median", "sum", "sd")
X_PERIODS = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
_MAX_ROWS_SHOWN = 5


def rows_text(labels: Iterable[object]) -> str:
    """'rows 3, 7 and 2 more' from index labels, for error messages."""
    labels = list(labels)
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in labels[:_MAX_ROWS_SHOWN])
    more = len(labels) - _MAX_ROWS_SHOWN
    noun = "row" if len(labels) == 1 else "rows"
    return f"{noun} {shown}" + (f" and {more} more" if more > 0 else "")


def require_columns(df: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Raise naming each missing column and the nearest existing name.

    ``columns`` maps the argument name (``"y"``) to the column it names (or None).
    """
    for arg, col in columns.items():
        if col is None or col in df.columns:
            continue
        close = difflib.get_close_matches(str(col), [str(c) for c in df.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        available = ", ".join(map(str, df.columns))
        raise SPCError(
            f"column {col!r} (given as {arg}=) is not in the data{hint} "
            f"Available columns: {available}."
        )


def numeric_column(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as float64, raising with the offending rows when a value is not a number."""
    series = df[col]
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in series[bad].head(3))
        raise SPCError(
            f"column {col!r} must be numeric but has non-numeric values at "
            f"{rows_text(series.index[bad])} (e.g. {examples}); fix or blank those cells."
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


def check_not_negative(values: np.ndarray, df: pd.DataFrame, col: str, what: str) -> None:
    """Raise when a count or denominator is negative."""
    bad = values < 0
    if bad.any():
        raise SPCError(
            f"column {col!r} has negative {what} at {rows_text(df.index[bad])}; "
            f"{what} cannot be below zero."
        )


def floor_to_period(x: pd.Series, period: str) -> pd.Series:
    """Floor dates to the start of their week (Monday), month, quarter or year."""
    if period not in X_PERIODS:
        raise SPCError(f"x_period must be one of {', '.join(X_PERIODS)} (got {period!r})")
    if not pd.api.types.is_datetime64_any_dtype(x):
        raise SPCError("x_period needs date x values; convert x with pd.to_datetime first")
    return x.dt.to_period(X_PERIODS[period]).dt.start_time


@dataclass
class Subgroups:
    """One row per facet and subgroup (x), sorted by facet then x.

    ``facet_values`` holds the facet columns' values (one array per facet column);
    ``facet_id`` numbers the facets 0..nfacets-1 in sorted order.
    """

    facet_values: dict[str, np.ndarray]
    facet_id: np.ndarray
    nfacets: int
    x: np.ndarray
    y: np.ndarray
    y_sum: np.ndarray
    y_length: np.ndarray
    y_mean: np.ndarray
    y_sd: np.ndarray
    n: np.ndarray
    part_label: np.ndarray | None
    categorical: bool


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Integer codes that sort like the values (NaN-free input)."""
    codes, _ = pd.factorize(values, sort=True)
    return codes


def aggregate(
    df: pd.DataFrame,
    *,
    x: str,
    y_values: np.ndarray,
    n_values: np.ndarray | None,
    facets: Sequence[str],
    agg: str,
    x_period: str | None,
    part_column: str | None,
) -> Subgroups:
    """Aggregate input rows to subgroups (qicharts2 ``qic.agg``), vectorised.

    With ``n``, a row with either y or n missing has both set to missing; y is then
    sum(y) / sum(n). Without n, y is ``agg`` of the subgroup's y values.
    """
    xs = df[x]
    if x_period is not None:
        xs = floor_to_period(xs, x_period)
    keep = xs.notna().to_numpy()
    if not keep.all():
        # qicharts2 silently drops rows without x; we refuse, so nothing disappears unseen.
        raise SPCError(
            f"column {x!r} (x) is empty at {rows_text(df.index[~keep])}; "
            "every row needs an x value (date, number or label)."
        )
    categorical = not (
        pd.api.types.is_numeric_dtype(xs) or pd.api.types.is_datetime64_any_dtype(xs)
    )
    y = y_values.copy()
    n = None if n_values is None else n_values.copy()
    if n is not None:
        missing = np.isnan(y) | np.isnan(n)
        y[missing] = np.nan
        n[missing] = np.nan

    facet_codes = [_sort_codes(df[f]) for f in facets]
    x_codes = _sort_codes(xs.astype(str)) if categorical else xs.to_numpy()
    order = (
        np.lexsort((x_codes, *reversed(facet_codes)))
        if facets
        else np.argsort(x_codes, kind="stable")
    )
    keys = [c[order] for c in facet_codes] + [x_codes[order]]
    size = len(order)
    new_group = group_starts(keys)
    gid = np.cumsum(new_group) - 1
    ngroups = int(gid[-1]) + 1 if size else 0
    first = np.flatnonzero(new_group)

    ys = y[order]
    present = ~np.isnan(ys)
    rows_per_group = np.bincount(gid, minlength=ngroups)
    y_length = np.bincount(gid, weights=present, minlength=ngroups)
    y_total = np.bincount(gid, weights=np.where(present, ys, 0.0), minlength=ngroups)
    y_sum = y_total.copy()
    # R: sum(y, na.rm = length(y) > 1): a lone missing value stays missing.
    y_sum[(rows_per_group == 1) & (y_length == 0)] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        y_mean = y_total / y_length
        dev = np.where(present, ys - y_mean[gid], 0.0)
        y_sd = np.sqrt(np.bincount(gid, weights=dev**2, minlength=ngroups) / (y_length - 1))
    y_sd[y_length < 2] = np.nan

    if n is not None:
        n_sum = np.bincount(gid, weights=np.nan_to_num(n[order]), minlength=ngroups)
        with np.errstate(invalid="ignore", divide="ignore"):
            y_out = y_total / n_sum
    else:
        n_sum = np.full(ngroups, np.nan)
        if agg == "mean":
            y_out = y_mean
        elif agg == "sum":
            y_out = y_total
        elif agg == "sd":
            y_out = y_sd.copy()
        else:  # median
            y_out = np.full(ngroups, np.nan)
            med = pd.Series(ys[present]).groupby(gid[present]).median()
            y_out[med.index.to_numpy()] = med.to_numpy()

    facet_values = {f: df[f].to_numpy()[order][first] for f in facets}
    if facets:
        facet_id = np.cumsum(group_starts([k[first] for k in keys[:-1]])) - 1
    else:
        facet_id = np.zeros(ngroups, dtype=np.int64)
    part_label = None
    if part_column is not None:
        part_label = df[part_column].to_numpy()[order][first]
    return Subgroups(
        facet_values=facet_values,
        facet_id=facet_id,
        nfacets=int(facet_id[-1]) + 1 if ngroups else 0,
        x=xs.to_numpy()[order][first],
        y=y_out,
        y_sum=y_sum,
        y_length=y_length,
        y_mean=y_mean,
        y_sd=y_sd,
        n=n_sum,
        part_label=part_label,
        categorical=categorical,
    )


def duplicated_subgroups(df: pd.DataFrame, x: str, facets: Sequence[str]) -> pd.Index:
    """Index labels of rows whose (facet, x) pair occurs more than once."""
    dup = df.duplicated(subset=[*facets, x], keep=False)
    return df.index[dup.to_numpy()]
