"""The explorer's exports: phase starts and change notes as a change log (the ``changes``
template), and a team's baseline, phase starts, exclusions and target as a chart settings file
(``spc.data.chart_settings``). The team reports read both, so what a fellow decides in the
explorer is what the reports show.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from spc._files import csv_text, read_csv_text, write_atomic
from spc.data.chart_settings import MeasureChoice
from spc.data.chart_settings import write_chart_settings as _write_chart_settings
from spc.interactive.state import CHANGES_COLUMNS, DEFAULT_PHASE_NOTE, ExploreSettings
from spc.interactive.words import catalogue_row

__all__ = ["changes_frame", "stored_choice", "write_changes", "write_settings"]


def _split_note(text: str) -> tuple[str, str]:
    """``"PDSA 1: Bay tagging"`` -> ``("PDSA 1", "Bay tagging")``; no prefix -> ``("", text)``."""
    head, sep, rest = text.partition(": ")
    if sep and len(head) <= 20:
        return head.strip(), rest.strip()
    return "", text.strip()


def changes_frame(settings: ExploreSettings) -> pd.DataFrame:
    """The phase starts and change notes as rows of the ``changes`` template.

    One row per note (a point's notes joined with ``; `` are split again) and one per phase
    start without a note. ``measure`` is the measure id, so the phases apply to this measure
    only; ``new_phase`` is ``yes`` on the first row at each phase start.

    >>> s = ExploreSettings("W1", "falls_per_1000_obd", "u",
    ...                     phase_starts=[pd.Timestamp("2024-04-01")])
    >>> changes_frame(s)[["date", "change", "new_phase"]].values.tolist()
    [['2024-04-01', 'New phase (set in the explorer)', 'yes']]
    """
    starts = {pd.Timestamp(p) for p in [*settings.phase_starts, *settings.marked]}
    rows = []
    for x in sorted(set(settings.notes) | starts):
        texts = [t for t in settings.notes.get(x, "").split("; ") if t.strip()]
        if not texts:
            texts = [DEFAULT_PHASE_NOTE]
        for i, text in enumerate(texts):
            cycle, change = _split_note(text)
            rows.append(
                {
                    "team": settings.team,
                    "date": pd.Timestamp(x).strftime("%Y-%m-%d"),
                    "change": change,
                    "cycle": cycle,
                    "measure": settings.measure,
                    "new_phase": "yes" if x in starts and i == 0 else "no",
                }
            )
    return pd.DataFrame(rows, columns=list(CHANGES_COLUMNS))


def write_changes(settings: ExploreSettings, path: str | os.PathLike[str]) -> Path:
    """Write (or update) a change-log CSV in the ``changes`` template format.

    Rows of other teams or measures already in the file are kept; this team and measure's rows
    are replaced, so one file can collect a fellow's decisions across measures.
    """
    path = Path(path)
    new = changes_frame(settings)
    if path.exists():
        old = read_csv_text(path)
        keep = ~((old["team"] == settings.team) & (old["measure"] == settings.measure))
        new = pd.concat([old[keep], new], ignore_index=True)
    new = new.sort_values(["team", "date", "measure"], kind="stable")
    # text cells that a spreadsheet would run as formulas are neutralised (OWASP)
    return write_atomic(path, csv_text(new[list(CHANGES_COLUMNS)]))


def stored_choice(settings: ExploreSettings) -> MeasureChoice:
    """What :func:`write_settings` keeps for this team and measure: the baseline, phases,
    exclusions and target, except a target equal to the catalogue's (so a later change to the
    catalogue still applies)."""
    catalogue_target = catalogue_row(settings.measure)["target"]
    own_target = settings.target
    if (
        own_target is not None
        and not pd.isna(catalogue_target)
        and np.isclose(own_target, float(catalogue_target))
    ):
        own_target = None
    return replace(settings.choice(), target=own_target)


def write_settings(settings: ExploreSettings, path: str | os.PathLike[str]) -> Path:
    """Write (or update) this team and measure's baseline, phase starts, exclusions and target
    in a chart settings file (:mod:`spc.data.chart_settings`), atomically.

    Other teams' and measures' entries already in the file are kept. A target equal to the
    catalogue's is not stored (:func:`stored_choice`); settings with nothing of their own
    remove the entry.
    """
    return _write_chart_settings(path, settings.team, settings.measure, stored_choice(settings))
