"""Scale benchmark (issue 14): a national-scale collaborative validated, then rendered on a
local Dask cluster with 1 and then 2 workers, through the real command line.

1. **Data**: ``--teams`` wards (default 1,000) x ``--months`` months (default 60) simulated in
   the project's own templates (``spc.engine.simulate_collaborative``: ward-monthly returns,
   Safety Thermometer survey, harm events and a change log, written with
   ``write_collaborative``) into a temporary folder. A quarter of the wards cut falls after a
   change logged as a new phase, a quarter log a pressure-ulcer change as a note, a quarter
   deteriorate without logging it, a quarter are stable.
2. **Validate**: ``safety-spc validate FOLDER`` on all of it, as a user runs it: wall time and
   peak resident memory of the subprocess (``bench_validate._cli_run``).
3. **Render** on a Dask cluster the benchmark starts itself on 127.0.0.1: ``dask scheduler``
   and, per worker, one ``dask worker --nworkers 1 --nthreads 1`` subprocess (a nanny and
   one single-threaded worker process: one report at a time per core), then
   ``safety-spc render --data FOLDER --out DIR --no-overview --dask-scheduler tcp://...``,
   first with 1 worker, then with 2 (a fresh cluster and output folder each). Rendering all
   1,000 teams takes about 80 minutes of worker time on this 2-core machine (about 5 s a
   report), so by default ``--render-teams 40`` teams spread evenly over the collaborative
   are rendered (``safety-spc render --teams ...``): the driver still loads and checks every
   team's data, only the reports rendered are fewer. ``--render-teams 0`` renders them all.
   Then the same 2-worker command runs again into the same folder: the resume path, where
   every report is "unchanged" and nothing is rendered again.

Printed: validate time and peak memory; per worker count the teams per minute (reports
rendered / wall time of the render command, driver start and finish included), the median
report's seconds on a worker, the workers' utilisation, peak memory per worker and of the
driver; the scaling 1 -> 2 workers (ratio of teams per minute, measured in the same run; median
over ``--rounds``), and the full collaborative's render time extrapolated from the rate.

Memory is sampled with psutil every 0.2 s: per worker, the resident memory of the ``dask
worker`` process tree, i.e. the nanny, the worker process and the Jupyter kernel the worker
runs reports in (Dask's own worker metrics count the worker process only, not its kernel).

Run: ``make bench`` (the defaults: about 7 minutes on 2 cores) or
``python benchmarks/bench_scale.py [--teams 1000] [--render-teams 40] [--workers 1,2]
[--rounds 1] [--quick]``; ``--quick`` is a smoke run (24 teams, 4 rendered, 1 minute).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import _cli_run  # noqa: E402

BIN = Path(sys.executable).parent
#: How the simulated wards behave, in turn (see the module docstring).
_ARMS = ("falls_phase", "pu_note", "worse_unlogged", "stable")


def make_collaborative(folder: Path, teams: int, months: int = 60, seed: int = 14) -> list[Path]:
    """Simulate ``teams`` wards over ``months`` months into ``folder`` in the templates'
    formats (``spc.engine.simulate_collaborative``); return the files written.

    >>> import tempfile
    >>> [p.name for p in make_collaborative(Path(tempfile.mkdtemp()), 4, months=24)]
    ['ward-monthly.csv', 'safety-thermometer.csv', 'events.csv', 'changes.csv']
    """
    from spc.engine.simulate_collaborative import (
        WARD_TYPES,
        WardPlan,
        simulate_collaborative,
        write_collaborative,
    )

    types = list(WARD_TYPES)
    change = months // 2
    plans = []
    for i in range(teams):
        ward_type = types[i % len(types)]
        name = f"R{i // 100 + 1:02d}-W{i:04d}-{ward_type}"  # a region, a ward, its type
        arm = _ARMS[i % len(_ARMS)]
        if arm == "falls_phase":
            plan = WardPlan(name, ward_type, change, "phase", "falls", falls_factor=0.6)
        elif arm == "pu_note":
            plan = WardPlan(name, ward_type, change, "note", "pressure_ulcers", pu_factor=0.6)
        elif arm == "worse_unlogged":
            plan = WardPlan(name, ward_type, change, "none", falls_factor=1.5)
        else:
            plan = WardPlan(name, ward_type)
        plans.append(plan)
    frames = simulate_collaborative(plans, months=months, seed=seed)
    return write_collaborative(frames, folder)


# ------------------------------------------------------------------------------ memory


@dataclass
class Peaks:
    """Peak resident memory (MiB) seen by a :class:`MemorySampler`."""

    #: per ``dask worker`` process tree (nanny + worker process + kernel), by worker index
    worker_tree: dict[int, float] = field(default_factory=dict)
    #: the worker process alone and its kernel alone, largest over the workers
    worker_process: float = 0.0
    kernel: float = 0.0
    #: the render command (the driver) with anything it starts
    driver: float = 0.0
    #: (seconds, MiB) samples of each worker's process tree, to see growth over many reports
    timeline: dict[int, list[tuple[float, float]]] = field(default_factory=dict)

    def growth(self) -> float:
        """How much a worker's tree grew from the first quarter of the run (once its kernel
        is up) to the last: the largest such growth over the workers, MiB."""
        out = 0.0
        for samples in self.timeline.values():
            n = len(samples)
            if n >= 8:
                early = max(m for _, m in samples[n // 8 : n // 4])
                late = max(m for _, m in samples[-(n // 4) :])
                out = max(out, late - early)
        return out


class MemorySampler:
    """Samples the resident memory of process trees every ``interval`` seconds in a thread."""

    def __init__(self, workers: Sequence[subprocess.Popen], interval: float = 0.2) -> None:
        import psutil

        self._psutil = psutil
        self._workers = [psutil.Process(p.pid) for p in workers]
        self._driver: object | None = None
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._interval = interval

    def watch_driver(self, pid: int) -> None:
        with contextlib.suppress(Exception):
            self._driver = self._psutil.Process(pid)

    def _tree(self, proc) -> list[tuple[object, float, str]]:
        psutil = self._psutil
        out = []
        try:
            procs = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            return out
        for p in procs:
            try:
                rss = p.memory_info().rss / 2**20
                cmd = " ".join(p.cmdline())
            except psutil.Error:
                continue
            out.append((p, rss, cmd))
        return out

    def sample(self) -> None:
        pk = self.peaks
        for k, top in enumerate(self._workers):
            tree = self._tree(top)
            if not tree:
                continue
            total = sum(rss for _, rss, _ in tree)
            pk.worker_tree[k] = max(pk.worker_tree.get(k, 0.0), total)
            pk.timeline.setdefault(k, []).append((time.monotonic(), total))
            for _, rss, cmd in tree[1:]:
                if "ipykernel" in cmd:
                    pk.kernel = max(pk.kernel, rss)
                elif "multiprocessing" in cmd or "spawn" in cmd:
                    pk.worker_process = max(pk.worker_process, rss)
        if self._driver is not None:
            tree = self._tree(self._driver)
            if tree:
                pk.driver = max(pk.driver, sum(rss for _, rss, _ in tree))

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------------ cluster


def _descendants(procs: Sequence[subprocess.Popen]) -> list[int]:
    import psutil

    pids = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            pids += [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    return pids


def _stop_processes(procs: Sequence[subprocess.Popen], grace: float = 10.0) -> None:
    """Stop ``procs`` and everything they started (kernels included): SIGTERM, then SIGKILL
    what is left after ``grace`` seconds; remove the kernels' temporary folders."""
    import psutil

    from spc.render.kernel_dirs import kill_kernels_of

    children = _descendants(procs)
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGTERM)  # each runs in its own session
    deadline = time.monotonic() + grace
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for pid in children:  # kernels start their own sessions: stop them by pid
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(pid)
            p.kill()
            p.wait(5)
    kill_kernels_of([*(p.pid for p in procs), *children])


@contextlib.contextmanager
def local_cluster(folder: Path, workers: int, timeout: float = 90) -> Iterator[tuple[str, list]]:
    """A Dask scheduler on 127.0.0.1 (a free port) and ``workers`` single-threaded workers,
    each a ``dask worker`` subprocess; yields (address, worker processes) and stops them all,
    whatever happens (exceptions, Ctrl-C)."""
    folder.mkdir(parents=True, exist_ok=True)
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    procs: list[subprocess.Popen] = []
    dask = str(BIN / "dask")

    def start(name: str, cmd: list[str]) -> subprocess.Popen:
        with open(logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
            )
        procs.append(proc)
        return proc

    try:
        scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", "0"]
        start("scheduler", [*scheduler, "--no-dashboard", "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + timeout
        while not scheduler_file.exists():
            if procs[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dask scheduler did not start: {_tail(logs / 'scheduler.log')}")
            time.sleep(0.1)
        address = ""
        while not address:  # the file may be seen before it is completely written
            with contextlib.suppress(ValueError):
                address = json.loads(scheduler_file.read_text())["address"]
            time.sleep(0.05)
        worker = [dask, "worker", address, "--nworkers", "1", "--nthreads", "1"]
        worker += ["--host", "127.0.0.1", "--no-dashboard"]
        worker_procs = [
            start(
                f"worker-{k}",
                [*worker, "--name", f"bench-{k}", "--local-directory", str(folder / f"w{k}")],
            )
            for k in range(workers)
        ]
        from distributed import Client

        with Client(address, timeout=timeout, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=timeout)
        yield address, worker_procs
    finally:
        _stop_processes(list(reversed(procs)))


def _tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "(no log)"


# ------------------------------------------------------------------------------ render


@dataclass
class RenderRun:
    """One ``safety-spc render`` on the cluster."""

    workers: int
    seconds: float
    statuses: dict[str, int]
    report_seconds: list[float]
    pages: int
    peaks: Peaks

    @property
    def rendered(self) -> int:
        return self.statuses.get("rendered", 0)

    @property
    def teams_per_minute(self) -> float:
        return 60 * self.rendered / self.seconds

    @property
    def utilisation(self) -> float:
        return sum(self.report_seconds) / (self.workers * self.seconds)


_ROW = re.compile(r"^(\S+)\s+(rendered|failed|unchanged|interrupted|no data)\s+([\d.]+)s\b")


def render(
    data: Path, out: Path, address: str, teams: Sequence[str] | None, sampler: MemorySampler
) -> tuple[float, str]:
    """``safety-spc render --no-overview --dask-scheduler ADDRESS`` as a user runs it; wall
    seconds and its standard output (raises with its error output if it fails)."""
    cmd = [str(BIN / "safety-spc"), "render", "--data", str(data), "--out", str(out)]
    cmd += ["--no-overview", "--no-progress", "--dask-scheduler", address]
    if teams:
        cmd += ["--teams", *teams]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler.watch_driver(proc.pid)
    try:
        stdout, stderr = proc.communicate()
    except BaseException:
        proc.kill()  # Ctrl-C or an error here: the driver must not outlive the benchmark
        proc.wait()
        raise
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"safety-spc render failed ({proc.returncode}):\n{stderr[-3000:]}")
    return seconds, stdout


def parse_table(stdout: str) -> tuple[dict[str, int], list[float]]:
    """The statuses counted and each rendered report's seconds, from the render's table.

    >>> parse_table("W1  rendered     5.9s  \\nW2  unchanged    0.0s  \\n")
    ({'rendered': 1, 'unchanged': 1}, [5.9])
    """
    statuses: dict[str, int] = {}
    seconds = []
    for line in stdout.splitlines():
        m = _ROW.match(line)
        if m:
            statuses[m[2]] = statuses.get(m[2], 0) + 1
            if m[2] == "rendered":
                seconds.append(float(m[3]))
    return statuses, seconds


def run_on_cluster(
    folder: Path, data: Path, workers: int, teams: Sequence[str] | None, resume: bool
) -> tuple[RenderRun, RenderRun | None]:
    """Start a cluster of ``workers``, render into a new folder (and again, for ``resume``),
    stop the cluster."""
    out = folder / f"out-{workers}"
    with local_cluster(folder / f"cluster-{workers}", workers) as (address, procs):
        with MemorySampler(procs) as sampler:
            seconds, stdout = render(data, out, address, teams, sampler)
            sampler.sample()
        statuses, report_seconds = parse_table(stdout)
        pages = len(list((out / "teams").glob("*.html")))
        first = RenderRun(workers, seconds, statuses, report_seconds, pages, sampler.peaks)
        again = None
        if resume:
            with MemorySampler(procs) as sampler:
                seconds, stdout = render(data, out, address, teams, sampler)
            statuses, report_seconds = parse_table(stdout)
            again = RenderRun(workers, seconds, statuses, report_seconds, pages, sampler.peaks)
    return first, again


# ------------------------------------------------------------------------------ main


def _pick(teams: list[str], n: int) -> list[str]:
    """``n`` teams spread evenly over ``teams`` (all of them for 0 or more than there are)."""
    if n <= 0 or n >= len(teams):
        return teams
    step = len(teams) / n
    return [teams[int(k * step)] for k in range(n)]


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """SIGTERM stops the benchmark like Ctrl-C does (clusters stopped, temp folder removed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000, help="wards generated (1000)")
    parser.add_argument("--months", type=int, default=60, help="months of data (60)")
    parser.add_argument(
        "--render-teams",
        type=int,
        default=40,
        help="teams rendered, spread over the collaborative (40; 0 for every team)",
    )
    parser.add_argument("--workers", default="1,2", help="worker counts, in turn (1,2)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds; medians printed (1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 24 teams, 4 rendered")
    args = parser.parse_args(list(argv) if argv is not None else [])
    if args.quick:
        args.teams, args.render_teams = min(args.teams, 24), min(args.render_teams or 4, 4)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    missing = [m for m in ("distributed", "psutil") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"scale benchmark skipped: needs {', '.join(missing)} (pip install -e '.[dask]')")
        return {}
    with _sigterm_as_exit(), tempfile.TemporaryDirectory(prefix="spc-bench-scale-") as tmp:
        return _main(Path(tmp), args, counts)


def _main(folder: Path, args: argparse.Namespace, counts: list[int]) -> dict:
    from spc.data.tidy import team_names

    start = time.perf_counter()
    data = folder / "data"
    paths = make_collaborative(data, args.teams, args.months)
    made = time.perf_counter() - start
    size = sum(p.stat().st_size for p in paths) / 2**20
    all_teams = team_names(paths)
    print(
        f"scale benchmark: {len(all_teams):,} teams x {args.months} months simulated in the "
        f"templates ({len(paths)} files, {size:.1f} MB) in {made:.1f} s",
        flush=True,
    )
    v_seconds, v_rss, v_rc = _cli_run([str(BIN / "safety-spc"), "validate", str(data)], folder)
    print(
        f"  safety-spc validate (all {len(all_teams):,} teams): {v_seconds:.1f} s, peak RSS "
        f"{v_rss:.0f} MiB (exit status {v_rc}: {'no errors' if v_rc == 0 else 'errors'})",
        flush=True,
    )
    chosen = _pick(all_teams, args.render_teams)
    subset = chosen if len(chosen) < len(all_teams) else None
    print(
        f"  rendering {len(chosen)} of {len(all_teams):,} teams' reports (--no-overview) on a "
        f"local Dask cluster: 1 nanny + 1 worker process x 1 thread per worker; workers "
        f"{', '.join(map(str, counts))}; {args.rounds} round(s)",
        flush=True,
    )
    runs: dict[int, list[RenderRun]] = {w: [] for w in counts}
    resumes: list[RenderRun] = []
    for r in range(args.rounds):
        for w in counts:
            resume = r == 0 and w == counts[-1]
            run, again = run_on_cluster(folder / f"round-{r}", data, w, subset, resume)
            if run.rendered != len(chosen) or run.pages < len(chosen):
                raise RuntimeError(
                    f"{w} worker(s): {run.statuses}, {run.pages} pages for {len(chosen)} teams"
                )
            runs[w].append(run)
            print(
                f"    round {r + 1}, {w} worker(s): {run.rendered} reports in "
                f"{run.seconds:.1f} s ({run.teams_per_minute:.1f} teams/min)",
                flush=True,
            )
            if again is not None:
                resumes.append(again)
    results = report(runs, resumes, len(chosen), len(all_teams), counts)
    results |= {"validate_seconds": v_seconds, "validate_rss_mib": v_rss, "teams": len(all_teams)}
    return results


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(
    runs: dict[int, list[RenderRun]],
    resumes: list[RenderRun],
    rendered: int,
    total: int,
    counts: list[int],
) -> dict:
    """Print the table, the scaling and the extrapolation; return the figures."""
    print(
        f"  {'workers':>7} {'teams/min':>10} {'wall':>8} {'report':>8} {'busy':>6} "
        f"{'MiB/worker':>11} {'(process':>9} {'kernel)':>8} {'growth':>7} {'driver':>8}"
    )
    figures: dict = {"rendered": rendered, "per_workers": {}}
    for w in counts:
        rs = runs[w]
        tpm = _med([r.teams_per_minute for r in rs])
        tree = max(max(r.peaks.worker_tree.values(), default=0.0) for r in rs)
        row = {
            "teams_per_minute": tpm,
            "seconds": _med([r.seconds for r in rs]),
            "report_seconds": _med([s for r in rs for s in r.report_seconds]),
            "utilisation": _med([r.utilisation for r in rs]),
            "worker_mib": tree,
            "worker_process_mib": max(r.peaks.worker_process for r in rs),
            "kernel_mib": max(r.peaks.kernel for r in rs),
            "driver_mib": max(r.peaks.driver for r in rs),
            "pages": min(r.pages for r in rs),
            "growth_mib": max(r.peaks.growth() for r in rs),
        }
        figures["per_workers"][w] = row
        print(
            f"  {w:>7} {tpm:>10.1f} {row['seconds']:>7.1f}s {row['report_seconds']:>7.1f}s "
            f"{row['utilisation']:>6.0%} {tree:>11.0f} {row['worker_process_mib']:>9.0f} "
            f"{row['kernel_mib']:>8.0f} {row['growth_mib']:>7.0f} {row['driver_mib']:>8.0f}"
        )
    print(
        "  teams/min: reports / wall time of the render command (driver included); report: "
        "median seconds a report takes on its worker; busy: share of the workers' time spent "
        "on reports; MiB/worker: peak RSS of a worker's process tree (nanny + worker process "
        "+ its Jupyter kernel), with the worker process and kernel peaks apart; growth: from the "
        "first quarter of the run to the last; driver: peak RSS of the render command"
    )
    if len(counts) > 1:
        base, top = counts[0], counts[-1]
        ratios = [
            b.teams_per_minute / a.teams_per_minute
            for a, b in zip(runs[base], runs[top], strict=True)
        ]
        ratio = _med(ratios)
        figures["scaling"] = ratio
        print(
            f"  scaling {base} -> {top} workers: {ratio:.2f}x teams/min (linear would be "
            f"{top / base:.0f}x; same run{', median of rounds' if len(ratios) > 1 else ''})"
        )
    if resumes:
        again = resumes[0]
        figures["resume_seconds"] = again.seconds
        figures["resume_statuses"] = again.statuses
        print(
            f"  resume (the same command again into the same folder): "
            f"{again.statuses.get('unchanged', 0)} unchanged, {again.rendered} rendered, "
            f"{again.seconds:.1f} s"
        )
    if rendered < total:
        parts = []
        for w in counts:
            minutes = total / figures["per_workers"][w]["teams_per_minute"]
            parts.append(f"{w} worker(s) {minutes:.0f} min")
        print(
            f"  extrapolated to all {total:,} teams at these rates: {', '.join(parts)} (the "
            f"driver's fixed start and finish, measured on {rendered} teams, grow with the "
            "teams rendered too)"
        )
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
