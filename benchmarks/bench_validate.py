"""Validation benchmark: a 50 MB ward-monthly file (6,000 wards x 60 months, 360,000 rows).

Generates the file in the ``ward-monthly`` template format (every column, day-first
``DD/MM/YYYY`` months, a long trust name, a few planted mistakes so the error paths run too)
in a temporary folder, then times

* ``spc.validate(path)`` in this process: median of ``--rounds`` runs and peak traced memory
  (tracemalloc, one run);
* ``safety-spc validate PATH`` as a user runs it: wall time and peak resident memory of the
  subprocess (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, one subprocess per round);
* the baseline in the same run: ``pandas.read_csv`` of the same file as text (the cost of
  just reading it), and optionally ``--baseline-src DIR``, another safety-spc checkout (for
  example ``git archive main | tar -x -C DIR``) validating the same file in a subprocess.

Ratios are printed against both. Run: ``make bench`` or
``python benchmarks/bench_validate.py [--wards 6000] [--months 60] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import median_time

TRUST = "Avonmere and Brackley Vale University Hospitals NHS Foundation Trust"
#: (row, column, bad value): planted mistakes, so the benchmark exercises the messages too
PLANTED = ((101, "falls_low", "n/a"), (2_002, "occupied_bed_days", "0"), (30_003, "month", "x"))


def make_file(folder: Path, wards: int = 6000, months: int = 60, seed: int = 20240601) -> Path:
    """Write ``ward-monthly-bench.csv`` (one row per ward and month) and return its path.

    Columns are vectorised with numpy; about 130 bytes a row (50 MB for 6,000 x 60).

    >>> make_file(Path(tempfile.mkdtemp()), wards=2, months=3).stat().st_size > 0
    True
    """
    from spc.data.templates import get_template

    rng = np.random.default_rng(seed)
    n = wards * months
    ward_names = np.array([f"W{i:05d}-{'ABCDEFGH'[i % 8]}WARD" for i in range(wards)])
    start = pd.Timestamp("2019-04-01")
    month_text = np.array(
        [(start + pd.DateOffset(months=k)).strftime("%d/%m/%Y") for k in range(months)]
    )
    bed_days = rng.integers(600, 900, n)
    cols: dict[str, np.ndarray] = {
        "trust": np.full(n, TRUST),
        "ward": np.repeat(ward_names, months),
        "month": np.tile(month_text, wards),
        "occupied_bed_days": bed_days,
        "admissions": rng.integers(60, 140, n),
    }
    falls = {f"falls_{k}": rng.poisson(lam, n) for k, lam in
             (("no_harm", 3.0), ("low", 1.5), ("moderate", 0.3), ("severe", 0.05),
              ("death", 0.01))}  # fmt: skip
    cols["falls_total"] = sum(falls.values())
    cols |= falls
    cols["enhanced_obs_hours"] = np.round(rng.uniform(0, 400, n), 1)
    for c in ("pu_new_cat2", "pu_new_cat3", "pu_new_cat4", "pu_new_unstageable", "pu_new_dti"):
        cols[c] = rng.poisson(0.4, n)
    cols["pu_present_on_admission"] = rng.poisson(2, n)
    cols["masd_reported"] = rng.poisson(1, n)
    cols["vte_ra_den"] = rng.integers(60, 140, n)
    cols["vte_ra_num"] = cols["vte_ra_den"] - rng.integers(0, 10, n)
    cols["prophylaxis_den"] = rng.integers(10, 30, n)
    cols["prophylaxis_num"] = cols["prophylaxis_den"] - rng.integers(0, 5, n)
    cols["hat_total"] = rng.poisson(0.3, n)
    cols["major_bleeds"] = rng.poisson(0.1, n)
    order = get_template("ward-monthly").column_names
    frame = pd.DataFrame({c: cols[c] for c in order}).astype(str)
    for row, column, value in PLANTED:
        if row - 2 < n:
            frame.loc[row - 2, column] = value
    path = folder / "ward-monthly-bench.csv"
    frame.to_csv(path, index=False)
    return path


def _cli_run(
    argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit status of one subprocess, run in ``cwd``.

    ``ru_maxrss`` of RUSAGE_CHILDREN is the largest of all children waited for so far, so
    each measurement runs in a fresh intermediate Python that reports its own child's peak.
    ``cwd`` is a folder without an ``spc`` package: ``python -m`` puts the working folder
    first on ``sys.path``, ahead of ``PYTHONPATH`` (which picks the baseline's checkout).
    """
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "dt = time.perf_counter() - t\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(dt, kb / 1024, rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=int, default=6000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baseline-src",
        metavar="DIR",
        help="another safety-spc checkout to validate the same file with, as a baseline",
    )
    args = parser.parse_args(argv)

    import spc

    with tempfile.TemporaryDirectory(prefix="spc-bench-validate-") as tmp:
        path = make_file(Path(tmp), args.wards, args.months)
        size = path.stat().st_size / 2**20
        print(f"validate benchmark: {args.wards:,} wards x {args.months} months, {size:.1f} MB")

        from spc.data.read import _TABLE_CACHE

        def cold_validate():  # as a fresh process validates: nothing cached
            _TABLE_CACHE.clear()
            return spc.validate(path)

        report = cold_validate()
        print(f"  {report.summary_line()}")
        api = median_time(cold_validate, args.rounds)
        tracemalloc.start()
        cold_validate()
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        cli = [sys.executable, "-m", "spc.cli", "validate", str(path)]
        runs = [_cli_run(cli, Path(tmp)) for _ in range(args.rounds)]
        cli_time = statistics.median(r[0] for r in runs)
        cli_rss = max(r[1] for r in runs)

        read = median_time(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), args.rounds)

        mib = traced / 2**20
        print(f"  spc.validate               median {api:7.2f} s, peak traced {mib:7.0f} MiB")
        print(f"  safety-spc validate (CLI)  median {cli_time:7.2f} s, peak RSS {cli_rss:7.0f} MiB")
        print(f"  pandas.read_csv as text    median {read:7.2f} s (baseline: reading alone)")
        print(f"  spc.validate / read_csv: {api / read:5.1f}x")
        if args.baseline_src:
            env = dict(os.environ, PYTHONPATH=str(Path(args.baseline_src).resolve()))
            old_time, old_rss, _ = _cli_run(cli, Path(tmp), env=env)
            print(
                f"  baseline {args.baseline_src} CLI: {old_time:7.2f} s, peak RSS "
                f"{old_rss:7.0f} MiB (1 run)"
            )
            print(f"  speed-up {old_time / cli_time:5.1f}x, memory {old_rss / cli_rss:5.1f}x less")
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  (this process's own peak RSS: {peak_self:.0f} MiB)")


if __name__ == "__main__":
    main()
