"""``benchmarks/bench_scale.py`` end to end in its quick mode: a simulated collaborative
validated, then rendered through ``safety-spc render --dask-scheduler`` on a local Dask cluster
of 1 and 2 workers that the benchmark starts and stops itself."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks/bench_scale.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = module  # as an import would (dataclasses look it up)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_run_renders_on_a_local_cluster_and_cleans_up(capsys):
    pytest.importorskip("distributed", reason="distributed is not installed (pip install .[dask])")
    psutil = pytest.importorskip("psutil", reason="psutil is not installed")
    bench = _load_bench()
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("spc-bench-scale-*"))

    figures = bench.main(["--quick", "--teams", "12", "--render-teams", "3"])
    out = capsys.readouterr().out

    assert figures["teams"] == 12 and figures["rendered"] == 3
    assert figures["validate_seconds"] > 0 and figures["validate_rss_mib"] > 0
    for workers in (1, 2):
        row = figures["per_workers"][workers]
        assert row["pages"] == 3  # the teams' HTML pages were written
        assert row["teams_per_minute"] > 0 and row["report_seconds"] > 0
        # a worker's tree is a nanny, a worker process and a Jupyter kernel
        assert row["kernel_mib"] > 50 and row["worker_process_mib"] > 50
        assert row["worker_mib"] >= row["kernel_mib"] + row["worker_process_mib"]
        assert row["driver_mib"] > 50
    assert figures["scaling"] > 0
    assert figures["resume_statuses"] == {"unchanged": 3}
    assert "safety-spc validate (all 12 teams)" in out
    assert "scaling 1 -> 2 workers" in out and "teams/min" in out
    assert "extrapolated to all 12 teams" in out
    # nothing left behind: no cluster processes, no temporary folder
    me = psutil.Process()
    assert not [p for p in me.children(recursive=True) if "dask" in " ".join(p.cmdline())]
    assert set(temp.glob("spc-bench-scale-*")) == before
