"""Timing helper shared by the benchmarks (imported by name: each benchmark runs with this
folder on ``sys.path``, as a script or from ``run_all.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(func: Callable[[], object], rounds: int) -> float:
    """Median wall time in seconds of ``rounds`` calls of ``func``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
