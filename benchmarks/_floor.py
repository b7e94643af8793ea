"""The in-process floor of a render, for ``bench_render.py``: each page's charts computed,
drawn and saved exactly as its notebook does (``spc.report.display``'s HTML blocks), without a
kernel, papermill or nbconvert. Runs in spawned worker processes, which import this module by
name (``bench_render`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import time
import warnings


def team_page(paths: list[str], team: str) -> dict[str, float]:
    """One team report's work; seconds by phase: load (read and check the team's rows),
    compute (every chart and its verdict, caption and headline), draw (charts drawn, encoded
    and the page's HTML blocks built)."""
    from spc.report import build_team_report, load_team
    from spc.report.display import team_report_blocks

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_team(paths, team)
        loaded = time.perf_counter()
        report = build_team_report(data, team)
        computed = time.perf_counter()
        html = "".join(team_report_blocks(report))
    done = time.perf_counter()
    assert "Methods" in html
    return {"load": loaded - start, "compute": computed - loaded, "draw": done - computed}


def overview_page(paths: list[str], teams: list[str]) -> dict[str, float]:
    """The collaborative overview's work (grid, small multiples, funnels, sustained
    improvement), as its notebook does it; seconds: load, then everything else as draw."""
    from spc.report import load_collaborative
    from spc.report.display import overview_blocks

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_collaborative(paths, teams=teams)
        loaded = time.perf_counter()
        html = "".join(overview_blocks(data))
    done = time.perf_counter()
    assert "Collaborative overview" in html
    return {"load": loaded - start, "compute": 0.0, "draw": done - loaded}
