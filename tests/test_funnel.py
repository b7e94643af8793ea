"""Funnel-plot limits (spc.engine.funnel): exact Poisson/binomial with Spiegelhalter's
interpolation, the normal approximation, and the outlier classes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import spc
from spc.engine.funnel import funnel_data, funnel_limits
from spc.errors import SPCError


def _poisson_cdf(k: int, lam: float) -> float:
    return sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k + 1))


def test_exact_poisson_limit_matches_hand_calculation() -> None:
    # lambda = 10, p = 0.975: F(16) < 0.975 <= F(17), so r = 17 and
    # alpha = (F(17) - p) / (F(17) - F(16)); Spiegelhalter (2005) limit = (r - alpha) / n.
    f16, f17 = _poisson_cdf(16, 10.0), _poisson_cdf(17, 10.0)
    expected = (17 - (f17 - 0.975) / (f17 - f16)) / 10
    lim = funnel_limits(1.0, [10], chart="u", level=0.95, method="exact")
    assert lim.upper[0] == pytest.approx(expected, rel=1e-9)
    assert 0 < lim.lower[0] < 1.0 < lim.upper[0]


def test_normal_limits_follow_the_formula() -> None:
    n = np.array([100.0, 1000.0])
    lim = funnel_limits(0.1, n, chart="p", level=0.998, method="normal")
    z = 3.090232306167813
    assert np.allclose(lim.upper, 0.1 + z * np.sqrt(0.1 * 0.9 / n))
    assert np.allclose(lim.lower, np.clip(0.1 - z * np.sqrt(0.1 * 0.9 / n), 0, None))


def test_funnels_narrow_as_n_grows_and_exact_approaches_normal() -> None:
    n = np.geomspace(200, 200_000, 12)
    ex = funnel_limits(0.005, n, chart="u", level=0.998)
    no = funnel_limits(0.005, n, chart="u", level=0.998, method="normal")
    assert np.all(np.diff(ex.upper) < 0) and np.all(np.diff(ex.lower) >= 0)
    assert ex.upper[-1] == pytest.approx(no.upper[-1], rel=0.01)


def test_outlier_classes_and_pooled_target() -> None:
    df = pd.DataFrame(
        {"ward": ["A", "B", "C", "D"], "falls": [2, 40, 8, 13], "bed_days": [900, 1000, 1200, 1000]}
    )
    out = funnel_data(df, "falls", "bed_days", "ward", multiply=1000)
    assert out.set_index("label")["outlier"].to_dict()["A"] == "low"
    assert out.set_index("label")["outlier"].to_dict()["B"] == "high"
    assert out["target"].iloc[0] == pytest.approx(63 / 4100 * 1000)
    assert {"lower_95", "upper_95", "lower_99.8", "upper_99.8"} <= set(out.columns)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(chart="c"), "chart must be 'u'"),
        (dict(method="bayes"), "method must be"),
    ],
)
def test_bad_arguments_are_explained(kwargs: dict, message: str) -> None:
    df = pd.DataFrame({"ward": ["A"], "falls": [2], "bed_days": [900]})
    with pytest.raises(SPCError, match=message):
        funnel_data(df, "falls", "bed_days", "ward", **kwargs)


def test_proportion_above_one_and_zero_denominator_are_rejected() -> None:
    df = pd.DataFrame({"ward": ["A", "B"], "y": [5, 1], "n": [4, 10]})
    with pytest.raises(SPCError, match="exceeds denominator"):
        funnel_data(df, "y", "n", "ward", chart="p")
    with pytest.raises(SPCError, match="must be positive"):
        funnel_data(df.assign(n=[0, 10]), "y", "n", "ward")


def test_funnel_is_exported_at_top_level() -> None:
    df = pd.DataFrame(
        {"ward": list("ABCDE"), "falls": [5, 6, 4, 5, 30], "bed_days": [800, 900, 700, 850, 850]}
    )
    ax = spc.funnel(df, "falls", "bed_days", "ward", chart="u", multiply=1000)
    assert ax.get_title(loc="left") == "Funnel plot: falls"
    assert ax.get_xlabel() and ax.get_ylabel()
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_funnels_from_the_kept_figure_match_new_figures() -> None:
    """The overview draws its funnel plots into one kept figure (``LiveChart.draw_funnel``):
    each SVG must be byte for byte a new figure's, whether the one before it had a linear or a
    logarithmic denominator axis (denominators over more than a decade)."""
    import matplotlib.pyplot as plt

    from spc.plotting import LiveChart, funnel, inline_svg

    teams = [f"T{i}" for i in range(6)]
    wide = pd.DataFrame({"team": teams, "events": [1, 4, 9, 30, 80, 260],
                         "days": [120, 500, 1_800, 5_000, 16_000, 45_000]})  # fmt: skip
    narrow = pd.DataFrame({"team": teams, "events": [3, 9, 5, 7, 2, 8],
                           "n": [900, 1_100, 1_000, 1_300, 950, 1_200]})  # fmt: skip
    cases = [
        (wide, {"y": "events", "n": "days", "chart": "u", "multiply": 1000}),
        (narrow, {"y": "events", "n": "n", "chart": "p", "multiply": 100}),
        (narrow, {"y": "events", "n": "n", "chart": "u", "improvement": "decrease"}),
        (wide, {"y": "events", "n": "days", "chart": "u", "title": "Wide again"}),
    ]
    live = LiveChart()
    for frame, options in [*cases, *reversed(cases)]:
        ax = funnel(frame, label="team", **options)
        fresh = inline_svg(ax.figure, "funnel", close=True)
        kept = live.draw_funnel(frame, label="team", **options)
        assert kept.get_xscale() == ("log" if frame is wide else "linear")
        assert inline_svg(kept.figure, "funnel", close=False) == fresh, options
    plt.close("all")
