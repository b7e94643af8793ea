"""Run the R reference cases (qicharts2 and NHSRplotthedots) through ``spc.qic``.

Each case folder holds ``input.csv``, ``spec.json`` (the R call, language-neutral) and the
exact expected output written by R; see ``../shared/refcases/README.md``. The helpers here
translate a spec into ``spc.qic`` arguments and compare the result column by column:
floats to 1e-9 relative, integers and booleans exactly.

The R package positions (``parts``, ``freeze``, ``exclude`` count subgroups within each
facet) are translated to safety-spc's x values here, in one place.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import spc

TESTS_DIR = Path(__file__).parent
SHARED_REFCASES = Path(
    os.environ.get("SPC_REFCASES", TESTS_DIR.parent.parent / "shared" / "refcases")
)
FIXTURE_REFCASES = TESTS_DIR / "fixtures" / "refcases"
RTOL = 1e-9
ATOL = 1e-12


def case_dirs(kind: str) -> list[tuple[str, Path]]:
    """(id, folder) for every case of ``kind`` ('cases' for qicharts2, 'mdc') in both roots."""
    found = []
    for label, root in (("shared", SHARED_REFCASES), ("fixture", FIXTURE_REFCASES)):
        folder = root / kind
        if folder.is_dir():
            found += [
                (f"{label}:{p.name}", p)
                for p in sorted(folder.iterdir())
                if (p / "spec.json").is_file()
            ]
    return found


def _read_expected(path: Path, na_values: list[str]) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=na_values)


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Floats equal to RTOL (NaN where NaN, +/-inf where inf), else raise with the rows."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} rows vs {expected.shape}"
    same_nan = np.isnan(actual) == np.isnan(expected)
    both = ~np.isnan(actual) & ~np.isnan(expected)
    close = np.ones(actual.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        close[both] = np.isclose(actual[both], expected[both], rtol=RTOL, atol=ATOL) | (
            actual[both] == expected[both]
        )
    bad = np.flatnonzero(~(same_nan & close))
    assert bad.size == 0, (
        f"{what}: {bad.size} mismatches, first at rows {bad[:5].tolist()}: "
        f"got {actual[bad[:5]].tolist()}, expected {expected[bad[:5]].tolist()}"
    )


def assert_equal(actual: Any, expected: Any, what: str) -> None:
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} vs {expected.shape}"
    bad = np.flatnonzero(actual != expected)
    assert bad.size == 0, (
        f"{what}: {bad.size} mismatches, first at rows {bad[:5].tolist()}: "
        f"got {actual[bad[:5]].tolist()}, expected {expected[bad[:5]].tolist()}"
    )


# ----------------------------------------------------------------------------- qicharts2


def load_qic_case(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    spec = json.loads((folder / "spec.json").read_text())
    dtypes = {spec["x"]: str} if spec.get("x_type") == "category" else {}
    for f in (spec.get("facet"), spec.get("facet2")):
        if f:
            dtypes[f] = str
    data = pd.read_csv(folder / "input.csv", dtype=dtypes, keep_default_na=False, na_values=[""])
    for col in spec.get("date_columns") or []:
        data[col] = pd.to_datetime(data[col])
    return spec, data


def _positions_to_x(data: pd.DataFrame, spec: dict[str, Any], positions: list[int]) -> Any:
    """qicharts2 positions (1-based, per facet, after aggregation) -> x values per facet."""
    facets = [f for f in (spec.get("facet"), spec.get("facet2")) if f]
    x = spec["x"]
    xs = data[x]
    if spec.get("x_period"):
        xs = xs.dt.to_period(
            {"month": "M", "week": "W-SUN", "quarter": "Q", "year": "Y"}[spec["x_period"]]
        ).dt.start_time
    frame = data.assign(_x=xs)
    if not facets:
        uniq = np.sort(frame["_x"].unique())
        return [uniq[p - 1] for p in positions if 1 <= p <= len(uniq)]
    out = {}
    for key, group in frame.groupby(facets if len(facets) > 1 else facets[0]):
        uniq = np.sort(group["_x"].unique())
        out[key] = [uniq[p - 1] for p in positions if 1 <= p <= len(uniq)]
    return out


def run_qic_case(spec: dict[str, Any], data: pd.DataFrame) -> spc.QICResult:
    facets = [f for f in (spec.get("facet"), spec.get("facet2")) if f]
    part: Any = None
    if spec.get("parts_from_column"):
        part = spec["parts_from_column"]
    elif spec.get("part_starts"):
        part = _positions_to_x(data, spec, spec["part_starts"])
    exclude = _positions_to_x(data, spec, spec["exclude"]) if spec.get("exclude") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        return spc.qic(
            data,
            x=spec["x"],
            y=spec["y"],
            n=spec.get("n"),
            chart=spec["chart"],
            facet=facets or None,
            part=part,
            freeze=spec.get("freeze"),
            exclude=exclude,
            multiply=spec.get("multiply", 1),
            target=spec.get("target"),
            cl=spec.get("cl"),
            method=spec.get("method", "anhoej"),
            agg=spec.get("agg_fun", "mean"),
            y_neg=spec.get("y_neg", True),
            x_period=spec.get("x_period"),
            screen_mr=spec.get("screened_mr", True),
            zero_n="qicharts2",
        )


QIC_FLOAT_COLUMNS = {
    "y.sum": "y_sum",
    "y.length": "y_length",
    "y.mean": "y_mean",
    "y.sd": "y_sd",
    "n": "n",
    "y": "y",
    "cl": "cl",
    "target": "target",
    "ucl": "ucl",
    "ucl.95": "ucl_95",
    "lcl": "lcl",
    "lcl.95": "lcl_95",
    "longest.run": "longest_run",
    "longest.run.max": "longest_run_max",
    "n.crossings": "n_crossings",
    "n.crossings.min": "n_crossings_min",
}
QIC_EXACT_COLUMNS = {
    "part": "part",
    "xx": "xx",
    "baseline": "baseline",
    "include": "include",
    "n.obs": "n_obs",
    "n.useful": "n_useful",
    "runs.signal": "runs_signal",
    "sigma.signal": "sigma_signal",
}
QIC_SUMMARY_COLUMNS = {
    "n.obs": "n_obs",
    "n.useful": "n_useful",
    "longest.run": "longest_run",
    "longest.run.max": "longest_run_max",
    "n.crossings": "n_crossings",
    "n.crossings.min": "n_crossings_min",
    "aLCL": "a_lcl",
    "aLCL.95": "a_lcl_95",
    "CL": "cl",
    "aUCL.95": "a_ucl_95",
    "aUCL": "a_ucl",
    "sigma.signal": "sigma_signal",
}


def check_qic_case(folder: Path) -> None:
    """Run one qicharts2 case and assert every column of expected.csv and summary.csv."""
    spec, data = load_qic_case(folder)
    res = run_qic_case(spec, data)
    got = res.data
    expected = _read_expected(folder / "expected.csv", [""])
    assert len(got) == len(expected), f"{len(got)} rows, expected {len(expected)}"
    if spec.get("x_type") == "date":
        assert_equal(pd.to_datetime(got["x"]).dt.strftime("%Y-%m-%d"), expected["x"], "x")
    elif spec.get("x_type") == "category":
        assert_equal(got["x"].astype(str), expected["x"].astype(str), "x")
    else:
        assert_close(got["x"], expected["x"], "x")
    for r_col, col in QIC_FLOAT_COLUMNS.items():
        assert_close(got[col], expected[r_col], col)
    for r_col, col in QIC_EXACT_COLUMNS.items():
        values = expected[r_col]
        if values.dtype == object:
            values = values.map({"TRUE": True, "FALSE": False})
        assert_equal(got[col], values, col)
    summary_path = folder / "summary.csv"
    if summary_path.is_file():
        exp_sum = _read_expected(summary_path, [""])
        got_sum = res.summary()
        assert len(got_sum) == len(exp_sum), "summary rows"
        for r_col, col in QIC_SUMMARY_COLUMNS.items():
            assert_close(got_sum[col], exp_sum[r_col], f"summary {col}")
        assert_equal(got_sum["runs_signal"].astype(int), exp_sum["runs.signal"], "summary runs")


# ------------------------------------------------------------------------ NHSRplotthedots


def load_mdc_case(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    spec = json.loads((folder / "spec.json").read_text())
    dtypes = {spec["facet_field"]: str} if spec.get("facet_field") else {}
    data = pd.read_csv(folder / "input.csv", dtype=dtypes)
    data[spec["date_field"]] = pd.to_datetime(data[spec["date_field"]])
    return spec, data


def _rebase_to_part(spec: dict[str, Any], data: pd.DataFrame) -> Any:
    """ptd_rebase semantics: only dates equal to a row's date start a new group."""
    rebase = spec.get("rebase")
    if rebase is None:
        return None
    date, facet = spec["date_field"], spec.get("facet_field")
    if isinstance(rebase, dict):
        out = {}
        for name, dates in rebase.items():
            present = set(data.loc[data[facet] == name, date])
            out[name] = [d for d in pd.to_datetime(dates) if d in present]
        return out
    dates = pd.to_datetime(rebase)
    if not facet:
        return [d for d in dates if d in set(data[date])]
    return {
        name: [d for d in dates if d in set(group[date])] for name, group in data.groupby(facet)
    }


def run_mdc_case(spec: dict[str, Any], data: pd.DataFrame) -> spc.QICResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        return spc.qic(
            data,
            x=spec["date_field"],
            y=spec["value_field"],
            chart="i",
            facet=spec.get("facet_field"),
            part=_rebase_to_part(spec, data),
            freeze=spec.get("fix_after_n_points"),
            target=spec.get("target"),
            screen_mr=spec.get("screen_outliers", True),
            rules="mdc",
            improvement=spec["improvement_direction"],
        )


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return bool((pd.factorize(pd.Series(a))[0] == pd.factorize(pd.Series(b))[0]).all())


def check_mdc_case(folder: Path) -> None:
    """Run one NHSRplotthedots case and assert points, summary and icons."""
    spec, data = load_mdc_case(folder)
    res = run_mdc_case(spec, data)
    got = res.data
    if spec.get("expect_error"):
        # ptd_spc crashes on some missing values (its issue #156); we deliberately succeed.
        assert len(got) == len(data)
        return
    expected = _read_expected(folder / "expected.csv", ["NA"])
    assert len(got) == len(expected)
    assert_close(got["y"], expected["y"], "y")
    assert_equal(pd.to_datetime(got["x"]).dt.strftime("%Y-%m-%d"), expected["x"], "x")
    facet = spec.get("facet_field")
    if facet:
        assert_equal(got[facet].astype(str), expected["f"].astype(str), "facet")
        groups = expected["f"].astype(str) + "|" + expected["rebase_group"].astype(str)
        ours = got[facet].astype(str) + "|" + got["part"].astype(str)
    else:
        groups, ours = expected["rebase_group"], got["part"]
    assert _same_partition(ours.to_numpy(), groups.to_numpy()), "rebase groups"
    assert_equal(got["short_group_warning"], expected["short_group_warning"], "short groups")
    assert_close(got["cl"], expected["mean_col"], "mean_col")
    assert_close(got["lcl"], expected["lpl"], "lpl")
    assert_close(got["ucl"], expected["upl"], "upl")
    assert_equal(
        got["rule_outside"], expected["outside_limits"].fillna(False).astype(bool), "outside_limits"
    )
    assert_equal(got["special_cause_type"], expected["special_cause_type"], "special_cause_type")
    assert_equal(got["signal"], expected["special_cause_flag"], "special_cause_flag")
    assert_equal(got["point_type"], expected["point_type"], "point_type")
    assert_close(got["target"], expected["target"], "target")

    exp_sum = _read_expected(folder / "expected_summary.csv", ["NA"])
    got_sum = res.summary()
    assert len(got_sum) == len(exp_sum), "summary rows"
    for r_col, col in (("mean_col", "cl"), ("lpl", "a_lcl"), ("upl", "a_ucl")):
        assert_close(got_sum[col], exp_sum[r_col], f"summary {col}")
    for col in ("n", "common_cause", "special_cause_improvement", "special_cause_concern"):
        assert_equal(got_sum[col], exp_sum[col], f"summary {col}")
    assert_equal(got_sum["variation_type"], exp_sum["variation_type"], "variation_type")
    if "assurance_type" in exp_sum:
        assert_equal(
            got_sum["assurance_type"].astype(object).fillna("NA"),
            exp_sum["assurance_type"].astype(object).fillna("NA"),
            "assurance_type",
        )

    icons = _read_expected(folder / "icons.csv", ["NA"])
    got_icons = spc.mdc_icons(res)
    exp_icons = icons.assign(f=icons["f"].astype(str))
    if not facet:
        exp_icons = exp_icons.assign(f="no facet")
    assert_equal(
        sorted(map(tuple, got_icons[["facet", "type", "icon"]].astype(str).to_numpy())),
        sorted(map(tuple, exp_icons[["f", "type", "icon"]].to_numpy())),
        "icons",
    )
