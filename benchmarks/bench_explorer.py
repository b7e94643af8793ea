"""Explorer latency: from a change of a control to the new chart image, in process.

Drives ``spc.explore`` the way JupyterLab does (a widget's ``value`` is set, its observers run,
the explorer recomputes the chart with ``spc.chart_measure`` and draws it with ``spc.plotting``
into PNG bytes on the image widget) on a 36-month chart of the example collaborative, through
a script of the changes an improvement fellow makes: chart type, rule set, direction, target,
baseline, exclusions, phases added and removed, team and measure. Each step is timed from the
value being set to the image bytes being in place; the browser's own drawing is not included.

Goals (issue 13): median at most 250 ms, 95th percentile at most 500 ms. Run: ``make bench`` or
``python benchmarks/bench_explorer.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd

import spc
from spc.interactive import explore

#: Goals for one control change (seconds).
MEDIAN_GOAL, P95_GOAL = 0.250, 0.500


def _steps(box: Any) -> list[tuple[str, Callable[[], None]]]:
    """The scripted control changes, each a (name, action) pair; run in order, they leave the
    explorer where it started, so rounds repeat the same work."""
    c = box.controls

    def setter(name: str, value: Any) -> Callable[[], None]:
        return lambda: setattr(c[name], "value", value)

    def add_phase() -> None:
        c["phase_pick"].value = pd.Timestamp("2023-06-01")
        c["phase_add"].click()

    def remove_phase() -> None:
        c["phases"].value = (pd.Timestamp("2023-06-01"),)
        c["phase_remove"].click()

    first_month = c["exclude"].options[3][1]
    return [
        ("chart: I", setter("chart", "i")),
        ("chart: U", setter("chart", "u")),
        ("rules: IHI", setter("rules", "ihi")),
        ("rules: Making Data Count", setter("rules", "mdc")),
        ("rules: Anhøj", setter("rules", "anhoej")),
        ("better is: neither", setter("improvement", "neutral")),
        ("better is: lower", setter("improvement", "decrease")),
        ("target: 4.5", setter("target", "4.5")),
        ("target: blank", setter("target", "")),
        ("baseline: 12", setter("baseline", 12)),
        ("baseline: 0", setter("baseline", 0)),
        ("exclude a month", setter("exclude", (first_month,))),
        ("exclude none", setter("exclude", ())),
        ("add a phase", add_phase),
        ("remove the phase", remove_phase),
        ("team: DNM-OAK", setter("team", "DNM-OAK")),
        ("team: AVN-ELM", setter("team", "AVN-ELM")),
        ("measure: VTE risk assessment", setter("measure", "vte_risk_assessment_percent")),
        ("measure: falls", setter("measure", "falls_per_1000_obd")),
    ]


def run(rounds: int = 3) -> dict[str, list[float]]:
    """Seconds per step name over ``rounds`` passes of the script (after one warm-up pass)."""
    warnings.simplefilter("ignore", spc.SPCWarning)
    data = spc.load_example()
    with tempfile.TemporaryDirectory() as tmp:
        box = explore(data, "AVN-ELM", "falls_per_1000_obd", export_dir=tmp)
        steps = _steps(box)
        times: dict[str, list[float]] = {name: [] for name, _ in steps}
        for round_no in range(rounds + 1):
            for name, action in steps:
                before = box.image
                start = time.perf_counter()
                action()
                took = time.perf_counter() - start
                if box.image is before:
                    raise RuntimeError(f"step {name!r} did not redraw the chart")
                if round_no:  # the first pass warms caches (fonts, imports)
                    times[name].append(took)
    return times


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def main(argv: Sequence[str] | None = None) -> int:
    """Print each step's median and the overall median and 95th percentile against the goals;
    return 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes of the script")
    args = parser.parse_args(argv)
    times = run(args.rounds)
    every = [t for ts in times.values() for t in ts]
    width = max(map(len, times))
    for name, ts in times.items():
        print(f"  {name:<{width}}  median {statistics.median(ts) * 1000:6.0f} ms")
    med, p95 = statistics.median(every), percentile(every, 0.95)
    ok = med <= MEDIAN_GOAL and p95 <= P95_GOAL
    print(
        f"explorer, 36-month chart, {len(every)} control changes: median {med * 1000:.0f} ms "
        f"(goal <= {MEDIAN_GOAL * 1000:.0f}), 95th percentile {p95 * 1000:.0f} ms "
        f"(goal <= {P95_GOAL * 1000:.0f}): {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
