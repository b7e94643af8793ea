"""The digest a render leaves next to index.html: what changed since the previous render.

The previous render's conclusions are the ``summary.csv`` already in the output folder (read
before the new one replaces it) and ``.digest-state.json`` (its data checks, validation
warnings and ``--as-of`` month). A first render into a folder compares with the data as they
stood a month before its latest month, so it says what changed in the latest month.
The digest (``spc.report.digest``) is written as ``changes.html`` (every line linked to the
team's report and the measure's chart), ``changes.csv`` (spreadsheet formulas neutralised) and
``changes.txt`` (to paste into an email), and shown at the top of ``index.html``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from spc._files import csv_text, read_csv_text, write_atomic
from spc.render.pages import page
from spc.report.digest import SECTIONS, as_of, data_checks, digest, digest_text

__all__ = ["DIGEST_STATE", "Digest", "digest_baseline", "digest_html", "write_digest"]

DIGEST_STATE = ".digest-state.json"
_TITLES = {"concern": "Concerns", "improvement": "Improvements", "other": "Everything else"}


@dataclass
class Digest:
    """What :func:`write_digest` found: the rows, whether there was a render to compare with,
    and the heading of the comparison."""

    frame: pd.DataFrame
    first: bool
    heading: str

    def counts(self) -> dict[str, int]:
        """Rows per section."""
        return {s: int((self.frame["section"] == s).sum()) for s in SECTIONS}

    def line(self) -> str:
        """One line for the terminal."""
        if self.first:
            return "What changed: first render into this folder (nothing to compare with yet)"
        if self.frame.empty:
            return "What changed: nothing since the previous render"
        c = self.counts()
        return (
            f"What changed: {c['concern']} concern(s), {c['improvement']} improvement(s), "
            f"{c['other']} other; see changes.html"
        )


def _previous(out: Path) -> tuple[pd.DataFrame | None, dict[str, object]]:
    summary = None
    path = out / "summary.csv"
    if path.is_file():
        try:
            summary = read_csv_text(path)
        except (OSError, ValueError, pd.errors.ParserError):
            summary = None  # an unreadable old summary: compare with nothing, say first render
        if summary is not None and "variation_type" not in summary:
            summary = None  # written by a version without verdicts
    state: dict[str, object] = {}
    state_path = out / DIGEST_STATE
    if state_path.is_file():
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
    return summary, state


def digest_baseline(
    out: Path,
    summary: pd.DataFrame,
    data: pd.DataFrame,
    month: str | None,
    summarise: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """What this render's ``summary`` is compared with: the previous render's conclusions and
    data checks, read from ``out`` (call before summary.csv is replaced); without a previous
    render, those of the month before ``month`` (the ``--as-of`` month, else the latest), made
    by ``summarise``. Returns ``(conclusions or None, state)`` for :func:`write_digest`."""
    report = data.attrs.get("report")
    problems = [str(p) for p in report.warnings] if report is not None else []
    before, state = _previous(out)
    if before is None and summarise is not None and len(summary):
        latest = pd.Period(month or str(summary["latest_period"].max())[:7], "M")
        earlier = str(latest - 1)
        before = summarise(as_of(data, earlier))
        state = {
            "as_of": earlier,
            "checks": data_checks(as_of(data, earlier), earlier).values.tolist(),
            # the files' warnings cannot be dated: none is new in a first render's digest
            "problems": problems,
        }
    return before, state


def write_digest(
    out: Path,
    summary: pd.DataFrame,
    data: pd.DataFrame,
    month: str | None,
    links: Mapping[str, str],
    baseline: tuple[pd.DataFrame | None, dict[str, Any]],
) -> Digest:
    """Compare ``summary`` (this render's conclusions) with ``baseline``, what
    :func:`digest_baseline` found before summary.csv was replaced; write changes.html/.csv/.txt
    and the state for the next render. ``links`` maps a team to its page (relative to
    ``out``)."""
    report = data.attrs.get("report")
    problems = [str(p) for p in report.warnings] if report is not None else []
    before, state = baseline
    checks = data_checks(data, month)
    checks_before = pd.DataFrame(state.get("checks", []), columns=["team", "kind", "detail"])
    frame = digest(
        before,
        summary,
        checks_before if before is not None else None,
        checks,
        list(state.get("problems", [])) if before is not None else problems,
        problems,
    )
    was = state.get("as_of") or (
        str(before["latest_period"].max())[:7] if before is not None and len(before) else ""
    )
    now = month or (str(summary["latest_period"].max())[:7] if len(summary) else "")
    heading = f"What changed from {was} to {now}" if was and before is not None else "What changed"
    result = Digest(frame, before is None, heading)
    text = digest_text(frame, heading)
    if result.first:
        first = "This is the first render into this folder: the next one will say what changed."
        text = text.replace(
            "Nothing changed: no new signals, no signals ended, no new data problems.", first
        )
        if first not in text:
            head, rule, rest = text.partition("=" * len(heading) + "\n")
            text = f"{head}{rule}{first}\n{rest}"
    write_atomic(out / "changes.txt", text)
    write_atomic(out / "changes.csv", csv_text(frame.assign(link=_link_column(frame, links))))
    write_atomic(out / "changes.html", page(heading, digest_html(result, links, standalone=True)))
    write_atomic(
        out / DIGEST_STATE,
        json.dumps(
            {"as_of": now, "checks": checks.values.tolist(), "problems": problems}, indent=1
        ),
    )
    return result


def _link_column(frame: pd.DataFrame, links: Mapping[str, str]) -> list[str]:
    return [
        f"{links[t]}#{m}" if t in links and m else links.get(t, "")
        for t, m in zip(frame["team"], frame["measure"], strict=True)
    ]


def digest_html(result: Digest, links: Mapping[str, str], standalone: bool = False) -> str:
    """The digest as escaped HTML: a section per heading, a line per change linked to the
    team's report at the measure's chart; says so when nothing changed."""
    esc = html.escape
    frame = result.frame
    parts = [f"<h1>{esc(result.heading)}</h1>" if standalone else f"<h2>{esc(result.heading)}</h2>"]
    if result.first:
        parts.append(
            "<p>This is the first render into this folder: the next render will list new "
            "signals, signals that ended and new data problems here.</p>"
        )
    elif frame.empty:
        parts.append("<p>Nothing changed since the previous render.</p>")
    for section in SECTIONS:
        rows = frame[frame["section"] == section]
        if rows.empty:
            continue
        items = []
        for _, r in rows.iterrows():
            team = esc(str(r["team"]))
            target = links.get(str(r["team"]))
            if target:
                anchor = f"#{esc(str(r['measure']))}" if r["measure"] else ""
                team = f'<a href="{esc(target)}{anchor}">{team}</a>'
            what = f"{team}, {esc(str(r['title']))}" if r["title"] else team
            what = f"<b>{what}</b>: " if what else ""
            change = (
                f"{esc(str(r['before']))} &rarr; {esc(str(r['after']))}"
                if r["before"]
                else esc(str(r["after"]))
            )
            verdict = (
                f'<br><span class="verdict">{esc(str(r["verdict"]))}</span>' if r["verdict"] else ""
            )
            items.append(f"<li>{what}{esc(str(r['kind']))}: {change}{verdict}</li>")
        parts.append(f"<h3>{_TITLES[section]}</h3><ul>{''.join(items)}</ul>")
    parts.append(
        "<p>Listed by team and measure, not ranked: each line is a verdict to read on the "
        "team's own chart.</p>"
    )
    return "".join(parts)
