"""The public API and the single sources behind it: names in ``spc``, the chart-type table,
rule-set facts, warning classes."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import spc
from spc.chart_types import CHART_TYPES, charts_where
from spc.engine.limits import CHARTS
from spc.engine.rules import RULE_KINDS, RULE_TEXT, RULES, rule_columns
from spc.errors import DataWarning, IgnoredSettingWarning, SPCWarning, TrialLimitsWarning


def test_every_public_name_is_there() -> None:
    for name in spc.__all__:
        assert getattr(spc, name) is not None
    assert callable(spc.measures) and callable(spc.describe) and callable(spc.explore)


def test_presets_is_a_deprecated_name_for_rules() -> None:
    with pytest.warns(DeprecationWarning, match="use spc.RULES"):
        assert spc.PRESETS is spc.RULES
    with pytest.warns(DeprecationWarning):
        from spc import PRESETS  # noqa: F401
    assert "PRESETS" not in spc.__all__
    with pytest.raises(AttributeError):
        spc.NO_SUCH_NAME  # noqa: B018


def test_chart_type_table_and_limits_registry_agree() -> None:
    assert list(CHARTS) == list(CHART_TYPES)
    assert charts_where(needs_n=True) == {"p", "pp", "u", "up"}
    assert charts_where(negative_y_is_error=True) == {"c", "u", "up", "p", "pp", "g"}
    assert charts_where(has_limits=False) == {"run"}
    # captions warn about mostly-zero series for counts, rates and proportions, not for G
    assert charts_where(warn_when_mostly_zero=True) == {"c", "u", "up", "p", "pp"}
    with pytest.raises(spc.SPCError, match="unknown chart 'z'; valid charts are: c, g, i"):
        spc.chart_types.chart_type("z")


def test_rule_sets_carry_their_facts() -> None:
    for rule_set in RULES.values():
        assert rule_set.label and rule_set.methods
        assert {r.kind for r in rule_set.rules} <= set(RULE_KINDS)
        assert all(RULE_TEXT[r.column] == r.text for r in rule_set.rules)
    assert rule_columns("outside") == {
        "rule_sigma",
        "rule_astronomical",
        "rule_outside",
        "rule_we1",
    }
    assert RULES["ihi"].columns("run", "trend") == ["rule_shift", "rule_trend"]


def test_warnings_have_classes() -> None:
    df = pd.DataFrame({"x": range(1, 21), "y": [3.0, 4, 5, 4] * 5, "n": [10.0] * 19 + [0.0]})
    df.loc[19, "y"] = 2
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        spc.qic(df, x="x", y="y", n="n", chart="u", part=[11], freeze=5, exclude=[99])
        spc.qic(df, x="x", y="y", n="n", chart="u", judge_from=30)
    kinds = {type(w.message) for w in got}
    assert {TrialLimitsWarning, IgnoredSettingWarning, DataWarning} <= kinds
    assert all(issubclass(k, SPCWarning) for k in kinds)
    settings = sorted(
        w.message.setting for w in got if isinstance(w.message, IgnoredSettingWarning)
    )
    # freeze with phases is applied (within each phase), so only the two that matched nothing
    assert settings == ["exclude", "judge_from"]
