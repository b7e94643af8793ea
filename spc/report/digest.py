"""What changed: the early-warning digest a collaborative lead reads each month.

Two sets of conclusions (``summary.csv`` rows of :func:`spc.report.collaborative_summary`: one
per team and measure, with the verdict) are compared: new special-cause signals, signals that
ended, assurance that changed against a target, teams whose latest month is missing or overdue,
and new data-quality findings. Concerns come first, then improvements, then the rest; within a
section rows are in team and measure order, never ranked. The digest is for learning: each
line is a verdict and where to read it, not a score.

>>> data = spc.load_example()                                  # doctest: +SKIP
>>> before = collaborative_summary(as_of(data, "2024-02"))     # doctest: +SKIP
>>> after = collaborative_summary(as_of(data, "2024-03"))      # doctest: +SKIP
>>> print(digest_text(digest(before, after)))                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from spc.data.catalogue import load_catalogue
from spc.errors import SPCError
from spc.text.verdicts import VARIATION_TYPE_WORDS

__all__ = [
    "DIGEST_COLUMNS",
    "SECTIONS",
    "as_of",
    "data_checks",
    "digest",
    "digest_text",
    "month_text",
]

#: Sections of the digest, in the order a lead reads them.
SECTIONS = ("concern", "improvement", "other")
_SECTION_TITLES = {
    "concern": "Concerns",
    "improvement": "Improvements",
    "other": "Everything else that changed",
}
#: Columns of :func:`digest`.
DIGEST_COLUMNS = [
    "section",
    "kind",
    "team",
    "measure",
    "title",
    "before",
    "after",
    "since",
    "verdict",
]
_DIRECTED = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "other",
    "special_cause_neutral_low": "other",
}
_ASSURANCE_WORDS = {
    "consistent_pass": "will consistently meet the target",
    "consistent_fail": "will consistently miss the target",
    "inconsistent": "will hit and miss the target at random",
}


def month_text(month: str | pd.Timestamp) -> str:
    """``"2024-3"`` -> ``"2024-03"``; a text that is not a month raises :class:`SPCError`.

    >>> month_text("2024-3")
    '2024-03'
    """
    return (_month_end(month) - pd.offsets.MonthBegin(1)).strftime("%Y-%m")


def _month_end(month: str | pd.Timestamp) -> pd.Timestamp:
    try:
        start = pd.Timestamp(str(month)).to_period("M").to_timestamp()
    except ValueError:
        raise SPCError(f"a month is written like 2024-03 (got {month!r})") from None
    return start + pd.offsets.MonthBegin(1)


def as_of(data: pd.DataFrame, month: str | pd.Timestamp) -> pd.DataFrame:
    """The tidy frame as it stood at the end of ``month`` (``"2024-03"``): every row of a
    later period or event dropped, with the change-log notes on those rows.

    >>> import spc
    >>> df = as_of(spc.load_example(), "2023-03")
    >>> bool(df["period"].max() < pd.Timestamp("2023-04-01"))
    True
    """
    out = data[pd.to_datetime(data["period"]) < _month_end(month)].copy()
    out.attrs = dict(data.attrs)
    return out


def data_checks(data: pd.DataFrame, month: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Teams whose latest month is missing or overdue, and months missing inside their series,
    from the monthly returns (``team``, ``kind``: ``overdue``/``gap``, ``detail``).

    A team is overdue when its latest monthly return is before ``month`` (default: the latest
    month any team has sent).
    """
    sources = {mid: m.source for mid, m in load_catalogue().items()}
    monthly = data[data["measure"].map(sources).isin(["ward-monthly", "safety-thermometer"])]
    rows = []
    if monthly.empty:
        return pd.DataFrame(rows, columns=["team", "kind", "detail"])
    periods = pd.to_datetime(monthly["period"]).dt.to_period("M")
    expected = pd.Period(str(month), "M") if month is not None else periods.max()
    # months as integers, per team at once (a period range per team took 5 s at 1,000 teams);
    # only teams with a gap are walked month by month, to name the months
    months = pd.DataFrame({"team": monthly["team"].to_numpy(), "m": periods.array.asi8})
    months = months.drop_duplicates()
    span = months.groupby("team", sort=True)["m"].agg(["min", "max", "count"])
    for team, first, last, count in span.itertuples():
        latest = pd.Period(ordinal=last, freq="M")
        if latest < expected:
            behind = (expected - latest).n
            rows.append(
                (
                    team,
                    "overdue",
                    f"latest month {latest.strftime('%b %Y')}: {behind} month"
                    f"{'s' if behind > 1 else ''} behind {expected.strftime('%b %Y')}",
                )
            )
        if last - first + 1 > count:
            have = set(months.loc[months["team"] == team, "m"])
            missing = [
                pd.Period(ordinal=q, freq="M") for q in range(first, last + 1) if q not in have
            ]
            shown = ", ".join(q.strftime("%b %Y") for q in missing[:6])
            more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            rows.append((team, "gap", f"no return for {shown}{more}"))
    return pd.DataFrame(rows, columns=["team", "kind", "detail"])


def _words(variation_type: object) -> str:
    if not isinstance(variation_type, str):
        return "not charted"
    return VARIATION_TYPE_WORDS.get(variation_type, variation_type)


def _assurance(value: object) -> str:
    return _ASSURANCE_WORDS.get(value, "no target") if isinstance(value, str) else "no target"


def digest(
    before: pd.DataFrame | None,
    after: pd.DataFrame,
    checks_before: pd.DataFrame | None = None,
    checks_after: pd.DataFrame | None = None,
    problems_before: Sequence[str] = (),
    problems_after: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows that changed from ``before`` to ``after`` (summary.csv frames; ``before`` None
    for a first render: nothing to compare, so only overdue teams and data problems), with the
    :func:`data_checks` and validation warnings of each; columns :data:`DIGEST_COLUMNS`."""
    rows: list[dict[str, object]] = []
    # rows as dicts, matched by (team, measure) once (a lookup per row: 21 s at 1,000 teams)
    old = (
        {(r["team"], r["measure"]): r for r in before.to_dict("records")}
        if before is not None and len(before)
        else None
    )
    if old is not None:
        for a in after.to_dict("records"):
            b = old.get((a["team"], a["measure"]))
            va = a["variation_type"]
            vb = b["variation_type"] if b is not None else None
            base = {"team": a["team"], "measure": a["measure"], "title": a["title"]}
            verdict = a.get("verdict", "")
            if va != vb and (va in _DIRECTED or va == "unstable"):
                rows.append(
                    base
                    | {
                        "section": _DIRECTED.get(va, "other"),
                        "kind": "new signal",
                        "before": _words(vb),
                        "after": _words(va),
                        "since": a.get("since") or a.get("latest_period", ""),
                        "verdict": verdict,
                    }
                )
            elif va != vb and (vb in _DIRECTED or vb == "unstable"):
                rows.append(
                    base
                    | {
                        "section": "other",
                        "kind": "signal ended",
                        "before": _words(vb),
                        "after": _words(va),
                        "since": a.get("latest_period", ""),
                        "verdict": verdict,
                    }
                )
            aa, ab = a.get("assurance"), b.get("assurance") if b is not None else None
            if b is not None and _assurance(aa) != _assurance(ab):
                section = {"consistent_fail": "concern", "consistent_pass": "improvement"}
                rows.append(
                    base
                    | {
                        "section": section.get(aa, "other") if isinstance(aa, str) else "other",
                        "kind": "assurance changed",
                        "before": _assurance(ab),
                        "after": _assurance(aa),
                        "since": a.get("latest_period", ""),
                        "verdict": verdict,
                    }
                )
    had = _check_set(checks_before)
    for _, c in (checks_after if checks_after is not None else pd.DataFrame()).iterrows():
        seen = (c["team"], c["kind"], c["detail"]) in had
        if seen and c["kind"] == "gap":
            continue  # a known gap is not news; an overdue return is, every month
        rows.append(
            {
                "section": "other",
                "kind": c["kind"] if seen else f"{c['kind']} (new)",
                "team": c["team"],
                "measure": "",
                "title": "",
                "before": "",
                "after": c["detail"],
                "since": "",
                "verdict": "",
            }
        )
    for text in sorted(set(problems_after) - set(problems_before)):
        rows.append(
            {
                "section": "other",
                "kind": "data quality (new)",
                "team": "",
                "measure": "",
                "title": "",
                "before": "",
                "after": text,
                "since": "",
                "verdict": "",
            }
        )
    out = pd.DataFrame(rows, columns=DIGEST_COLUMNS)
    order = {s: i for i, s in enumerate(SECTIONS)}
    out = out.assign(_o=out["section"].map(order))
    return (
        out.sort_values(["_o", "team", "measure", "kind"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _check_set(checks: pd.DataFrame | None) -> set[tuple[str, str, str]]:
    if checks is None or checks.empty:
        return set()
    return set(zip(checks["team"], checks["kind"], checks["detail"], strict=True))


def digest_text(frame: pd.DataFrame, heading: str = "What changed") -> str:
    """The digest as plain text a lead can paste into an email; says so when nothing changed."""
    lines = [heading, "=" * len(heading)]
    if frame.empty:
        lines.append("Nothing changed: no new signals, no signals ended, no new data problems.")
        return "\n".join(lines) + "\n"
    for section in SECTIONS:
        part = frame[frame["section"] == section]
        if part.empty:
            continue
        lines += ["", _SECTION_TITLES[section]]
        for _, r in part.iterrows():
            what = ", ".join(str(v) for v in (r["team"], r["title"]) if v)
            change = f"{r['before']} -> {r['after']}" if r["before"] else r["after"]
            lines.append(f"- {what + ': ' if what else ''}{r['kind']}: {change}")
            if r["verdict"]:
                lines.append(f"  {r['verdict']}")
    return "\n".join(lines) + "\n"
