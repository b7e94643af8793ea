"""Batch rendering benchmark: reports per second for 24 teams with a 3-chart team report.

(a) the naive loop people write first: for each team a ``papermill`` CLI call and a
``jupyter nbconvert --to html --no-input`` CLI call; (b) ``safety-spc render`` (one driver,
2 workers with warm kernels, nbconvert in-process; it also renders the overview, index and
summary). Both run in this process's environment, on the same data, in the same run.

Run: ``make bench`` or ``python benchmarks/bench_render.py [--teams N]``.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spc.render.collaborative import TEAM_NOTEBOOK, render_collaborative
from spc.report import example_files

MEASURES = ["falls_per_1000_obd", "pu_cat2plus_per_1000_obd", "vte_risk_assessment_percent"]


def make_data(folder: Path, teams: int) -> tuple[list[Path], list[str]]:
    """The example collaborative, its wards copied under new names up to ``teams`` teams."""
    paths = []
    for path in example_files():
        shutil.copy(path, folder / path.name)
        paths.append(folder / path.name)
    with open(example_files()[0], newline="") as fh:
        rows = list(csv.DictReader(fh))
    base = sorted({r["ward"] for r in rows})
    names = [f"{w}-{k}" for k in range(1, 1 + -(-teams // len(base))) for w in base][:teams]
    extra = [
        {**r, "ward": f"{r['ward']}-{k}", "trust": "Benchmark"}
        for k in range(1, 1 + -(-teams // len(base)))
        for r in rows
    ]
    out = folder / "ward-monthly-bench.csv"
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in extra if r["ward"] in set(names))
    return [out, *paths], names


def naive_loop(paths: list[Path], teams: list[str], out: Path) -> float:
    bin_dir = Path(sys.executable).parent
    start = time.perf_counter()
    for team in teams:
        nb = out / f"{team}.ipynb"
        subprocess.run(
            [
                str(bin_dir / "papermill"),
                str(TEAM_NOTEBOOK),
                str(nb),
                "--log-level",
                "ERROR",
                "-r",
                "team",
                team,
                "-y",
                f"data_paths: {[str(p) for p in paths]}",
                "-y",
                f"measures: {MEASURES}",
                "--cwd",
                str(TEAM_NOTEBOOK.parent),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def batch(paths: list[Path], teams: list[str], out: Path, overview: bool = True) -> float:
    start = time.perf_counter()
    result = render_collaborative(
        paths,
        out,
        teams=teams,
        measures=MEASURES,
        workers=2,
        progress=False,
        force=True,
        overview=overview,
    )
    assert not result.failed, [o.error for o in result.failed]
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=24)
    args = parser.parse_args(argv if argv is not None else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths, teams = make_data(folder, args.teams)
        (folder / "naive").mkdir()
        naive = naive_loop(paths, teams, folder / "naive")
        ours = batch(paths, teams, folder / "batch", overview=False)
        ours_all = batch(paths, teams, folder / "batch-all")
    n = len(teams)
    print(f"render benchmark: {n} teams, {len(MEASURES)}-chart team report, 2 cores")
    print(
        f"  (a) papermill CLI + nbconvert CLI loop: {naive:7.1f} s  "
        f"{n / naive:6.2f} reports/s  ({naive / n:.2f} s/report)"
    )
    print(
        f"  (b) safety-spc render (2 workers):      {ours:7.1f} s  "
        f"{n / ours:6.2f} reports/s  ({ours / n:.2f} s/report; --no-overview, same work)"
    )
    print(f"  speed-up (b) over (a): {naive / ours:5.1f}x")
    print(
        f"  (c) safety-spc render with the overview, index and summary too: {ours_all:.1f} s "
        f"({naive / ours_all:.1f}x over (a))"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
