"""Render benchmark on the real default notebooks: the naive loop, ``safety-spc render`` and
the in-process floor, per page, in the same run.

The pages are the ones ``safety-spc render`` writes by default: ``notebooks/team_report.ipynb``
for every team (every measure the data support: 17 in the catalogue) and
``notebooks/collaborative_overview.ipynb`` once, on the synthetic example collaborative (12
teams; ``--teams N`` copies its wards under new names up to N teams). Three ways, interleaved
round by round so that a busy machine slows all three alike:

(a) **naive loop**: for each page a ``papermill`` command (a fresh kernel) and a
    ``jupyter nbconvert --to html --no-input`` command, with the parameters the render passes;
    timed on ``--naive-pages`` teams (a page costs the same whichever team it is) and the
    overview, one after another as such a loop runs;
(b) **safety-spc render** as a user runs it (``safety-spc render --data ... --out DIR
    --workers 2 --force``, a subprocess, into a new folder each round, so the digest of the
    latest month is computed too, as ``make demo`` does): all pages, and ``--no-overview``
    for the team pages alone;
(c) **floor**: the same pages' charts computed, drawn and encoded as the notebooks do
    (``spc.report.display``'s HTML blocks), in 2 fresh worker processes without kernels,
    papermill or nbconvert (``_floor.py``); timed from starting the processes.

Per page: (a) the median page; (b) and (c) the run's wall time over its pages, median of
``--rounds`` rounds. Goals (issue 14): (b) at least 10x (a), and within 1.3x of (c).

Run: ``make bench`` or ``python benchmarks/bench_render.py [--teams 12] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # spawned floor workers import _floor by name

import _floor  # noqa: E402

from spc.data.tidy import team_names  # noqa: E402
from spc.render.collaborative import OVERVIEW_NOTEBOOK, TEAM_NOTEBOOK  # noqa: E402
from spc.report import example_files  # noqa: E402

WORKERS = 2
BIN = Path(sys.executable).parent


def make_data(folder: Path, teams: int) -> list[Path]:
    """The example collaborative's files; above its 12 teams, its wards copied under new names
    (``AVN-ELM-2``, ...) in an extra ward-monthly file, up to ``teams`` teams."""
    paths = [p.resolve() for p in example_files()]
    base = team_names(paths)
    if teams <= len(base):
        return paths
    with open(paths[0], newline="") as fh:
        rows = list(csv.DictReader(fh))
    wards = sorted({r["ward"] for r in rows})
    copies = -(-(teams - len(base)) // len(wards))
    names = [f"{w}-{k}" for k in range(2, 2 + copies) for w in wards][: teams - len(base)]
    extra = [{**r, "ward": f"{r['ward']}-{k}"} for k in range(2, 2 + copies) for r in rows]
    out = folder / "ward-monthly-bench.csv"
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in extra if r["ward"] in set(names))
    return [*paths, out]


def team_parameters(paths: Sequence[Path], team: str) -> dict:
    """The parameters ``safety-spc render`` passes to a team report (defaults otherwise)."""
    return {
        "data_paths": [str(p) for p in paths],
        "measures": [],
        "rules": "anhoej",
        "change_log": "",
        "targets": {},
        "chart_settings": "",
        "team": team,
        "period_start": "",
        "period_end": "",
        "interactive": False,
    }


def overview_parameters(paths: Sequence[Path], teams: list[str]) -> dict:
    """The parameters ``safety-spc render`` passes to the overview."""
    params = team_parameters(paths, "")
    for key in ("team", "period_start", "period_end", "interactive"):
        del params[key]
    return {**params, "teams": teams, "funnel_period": "", "as_of": ""}


def naive_page(notebook: Path, parameters: dict, folder: Path) -> float:
    """One page the naive way: papermill's command line, then nbconvert's; seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    params = folder / "parameters.yaml"
    params.write_text(json.dumps(parameters))  # JSON is YAML
    executed = folder / "page.ipynb"
    start = time.perf_counter()
    papermill = [str(BIN / "papermill"), str(notebook), str(executed), "-f", str(params)]
    subprocess.run(
        [*papermill, "--log-level", "ERROR", "--cwd", str(notebook.parent)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def render(paths: Sequence[Path], out: Path, overview: bool) -> float:
    """``safety-spc render`` as a user runs it, into a new folder; wall seconds."""
    cmd = [str(BIN / "safety-spc"), "render", "--data", *map(str, paths), "--out", str(out)]
    cmd += ["--workers", str(WORKERS), "--force", "--no-progress"]
    if not overview:
        cmd.append("--no-overview")
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"safety-spc render failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def floor(paths: Sequence[Path], teams: list[str], overview: bool) -> tuple[float, list[dict]]:
    """The pages' work in 2 fresh processes without kernels: wall seconds (from starting the
    processes) and each team page's seconds by phase."""
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        strs = [str(p) for p in paths]
        # the overview first, as the render does: the longest page starts first
        first = [pool.submit(_floor.overview_page, strs, teams)] if overview else []
        pages = [pool.submit(_floor.team_page, strs, t) for t in teams]
        phases = [f.result() for f in pages]
        for f in first:
            f.result()
        seconds = time.perf_counter() - start
    return seconds, phases


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=12, help="teams (default: the example's 12)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--naive-pages", type=int, default=3, help="team pages timed the naive way (default 3)"
    )
    args = parser.parse_args(argv if argv is not None else [])
    times: dict[str, list[float]] = {k: [] for k in ("naive_team", "naive_overview")}
    times |= {k: [] for k in ("render_all", "render_teams", "floor_all", "floor_teams")}
    phases: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_data(folder, args.teams)
        teams = team_names(paths)
        naive_teams = teams[:: max(1, len(teams) // max(1, args.naive_pages))][: args.naive_pages]
        for r in range(args.rounds):
            if r < len(naive_teams):
                team = naive_teams[r]
                times["naive_team"].append(
                    naive_page(TEAM_NOTEBOOK, team_parameters(paths, team), folder / f"n{r}")
                )
            times["naive_overview"].append(
                naive_page(OVERVIEW_NOTEBOOK, overview_parameters(paths, teams), folder / f"o{r}")
            )
            times["render_all"].append(render(paths, folder / f"r{r}", overview=True))
            times["render_teams"].append(render(paths, folder / f"t{r}", overview=False))
            wall, _ = floor(paths, teams, overview=True)
            times["floor_all"].append(wall)
            wall, page_phases = floor(paths, teams, overview=False)
            times["floor_teams"].append(wall)
            phases += page_phases
            shutil.rmtree(folder / f"r{r}", ignore_errors=True)
            shutil.rmtree(folder / f"t{r}", ignore_errors=True)
        # the rest of the naive team pages (when there are more of them than rounds)
        for k, team in enumerate(naive_teams[args.rounds :]):
            times["naive_team"].append(
                naive_page(TEAM_NOTEBOOK, team_parameters(paths, team), folder / f"x{k}")
            )
    report(times, phases, len(teams), args)


def report(times: dict[str, list[float]], phases: list[dict], n: int, args) -> None:
    """Print the medians, per page, and the ratios against the goals."""
    med = {k: _median(v) for k, v in times.items()}
    naive_team, naive_overview = med["naive_team"], med["naive_overview"]
    rows = [
        (f"team report ({n} pages)", naive_team, med["render_teams"] / n, med["floor_teams"] / n),
        (
            f"all {n + 1} pages (+ overview)",
            (n * naive_team + naive_overview) / (n + 1),
            med["render_all"] / (n + 1),
            med["floor_all"] / (n + 1),
        ),
    ]
    print(
        f"render benchmark: {n} teams x every measure (the example collaborative"
        f"{'' if n <= 12 else ', wards copied'}), {WORKERS} workers; median of {args.rounds} "
        f"rounds (naive: {len(times['naive_team'])} team pages, {len(times['naive_overview'])} "
        "overviews)"
    )
    print(
        f"  {'seconds per page':<28}{'naive loop':>11}{'render':>9}{'floor':>8}"
        f"{'naive/render':>14}{'render/floor':>14}"
    )
    for name, naive, ours, low in rows:
        print(
            f"  {name:<28}{naive:>10.2f}s{ours:>8.2f}s{low:>7.2f}s"
            f"{naive / ours:>13.1f}x{ours / low:>13.2f}x"
        )
    print(
        f"  overview page: naive {naive_overview:.1f} s; in a render it adds "
        f"{med['render_all'] - med['render_teams']:.1f} s (floor: "
        f"{med['floor_all'] - med['floor_teams']:.1f} s)"
    )
    if phases:
        parts = ", ".join(f"{k} {_median([p[k] for p in phases]):.2f} s" for k in phases[0])
        print(f"  floor, median team page in one process: {parts}")
    print("  goals: render >= 10x the naive loop, and within 1.3x of the floor")


if __name__ == "__main__":
    main(sys.argv[1:])
