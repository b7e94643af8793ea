"""``spc.explore()``: the interactive explorer, an ipywidgets box for one team and measure.

Controls for the team, measure, chart type, rule set, improvement direction, target, baseline,
phase starts and exclusions; the verdict (the reports' words, with its icons), the chart, its
legend, caption and summary update as they change. A what-if tab answers "would next month's
value be a signal?"; a save tab writes a chart settings file and a change log, which the
reports read (``--chart-settings``, ``--change-log``), and the chart as PNG or SVG; a data tab
loads other files. Reopened with the same export folder, the explorer starts from what was
saved there (settings and change log), so what a fellow decides here is what the reports show;
the rule set and chart type are the collaborative's, and the explorer says so when they differ.

The class here only wires widgets (``layout``) to the state functions (``state``, ``exports``,
``static``); ipywidgets and matplotlib are imported only when an explorer is made.

>>> box = spc.explore(team="AVN-ELM", measure="falls_per_1000_obd")   # doctest: +SKIP
>>> box.controls["chart"].value = "i"                                  # doctest: +SKIP
>>> box.outcome.result.options["chart"]                                # doctest: +SKIP
'i'
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from spc.data.catalogue import measures
from spc.data.chart_settings import ChartSettings, MeasureChoice, as_chart_settings
from spc.data.problems import DataValidationError
from spc.errors import SPCError
from spc.interactive.exports import stored_choice, write_changes, write_settings
from spc.interactive.layout import build_controls, build_layout, build_outputs
from spc.interactive.panels import export_help_html, notes_html, summary_html, verdict_html
from spc.interactive.state import (
    LIVE_FIGSIZE,
    SETTINGS_FILE,
    ExploreOutcome,
    compute,
    default_settings,
    draw,
    figure_bytes,
    load_data,
    measures_of,
    periods_of,
    plot_options,
    teams_of,
    what_if,
)
from spc.interactive.words import (
    catalogue_row,
    reports_note,
    saved_words,
    summary_words,
)
from spc.text.labels import fmt_num, fmt_x, period_of

#: The change log the explorer's export tab writes (and reads back when reopened).
CHANGE_LOG_FILE = "change_log.csv"

__all__ = ["explore"]


def explore(
    data: pd.DataFrame | str | os.PathLike[str] | Sequence[Any] | None = None,
    team: str | None = None,
    measure: str | None = None,
    *,
    export_dir: str | os.PathLike[str] = "explorer-exports",
    chart_settings: ChartSettings | str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> Any:
    """An interactive explorer (an ipywidgets ``VBox``) for one team and measure at a time.

    ``data`` is a tidy frame from :func:`spc.load`, path(s) to load, or None for the example
    collaborative. ``kwargs`` set initial settings (``chart``, ``rules``, ``baseline``,
    ``target``, ``improvement``, ``phase_starts``, ``exclude``). Exports go to ``export_dir``.
    Each team's saved baseline, exclusions and target are read from ``chart_settings`` (default:
    ``export_dir/chart_settings.json`` if it exists), so the explorer reopens where the fellow
    left off and shows what the reports show.

    Each team's change notes come from the data's change log and, when ``data`` is files or
    the example, from ``export_dir/change_log.csv`` if it exists (loaded with the data, as the
    reports load ``--change-log``).

    The returned box has ``.controls`` (name -> widget), ``.settings``, ``.outcome`` (the current
    :class:`ExploreOutcome`), ``.image`` (PNG bytes shown), ``.data`` and ``.refresh()``.
    """
    export_dir = Path(export_dir)
    if chart_settings is None and (export_dir / SETTINGS_FILE).is_file():
        chart_settings = export_dir / SETTINGS_FILE
    log = export_dir / CHANGE_LOG_FILE
    change_log = log if log.is_file() and not isinstance(data, pd.DataFrame) else None
    return _Explorer(
        data, team, measure, export_dir, as_chart_settings(chart_settings), kwargs, change_log
    ).box


class _Explorer:
    """Wires widgets to the pure functions above; holds no logic of its own."""

    def __init__(
        self,
        data: Any,
        team: str | None,
        measure: str | None,
        export_dir: Path,
        chart_settings: ChartSettings,
        initial: dict[str, Any],
        change_log: Path | None = None,
    ) -> None:
        import ipywidgets as w

        self.w = w
        self.export_dir = export_dir
        self.chart_settings = chart_settings
        self.change_log = change_log
        self.source_label = (
            "(example collaborative)"
            if data is None
            else ("(data passed in)" if isinstance(data, pd.DataFrame) else str(data))
        )
        self.data = load_data(data, change_log)
        self.settings = default_settings(self.data, team, measure, chart_settings, **initial)
        self._busy = False
        c = build_controls(self.source_label)
        out = build_outputs()
        self.controls = c
        self.out = out
        self.note, self.chart, self.caption = out["note"], out["chart"], out["caption"]
        self.summary, self.whatif_out, self.export_out = (
            out["summary"],
            out["whatif_out"],
            out["export_out"],
        )
        self.verdict, self.legend = out["verdict"], out["legend"]
        self.outcome: ExploreOutcome | None = None
        self.image = b""
        self.live: Any = None  # spc.plotting.LiveChart, made at the first drawing
        self.box = build_layout(c, out)
        # the handles tests and notebooks use
        self.box.controls = c
        self.box.refresh = self.refresh
        self.box.explorer = self

        self._sync_controls()
        for name in ("chart", "rules", "improvement", "target", "baseline", "exclude"):
            c[name].observe(self._on_setting, names="value")
        c["team"].observe(self._on_team, names="value")
        c["measure"].observe(self._on_measure, names="value")
        c["load"].on_click(self._on_load)
        c["phase_add"].on_click(self._on_phase_add)
        c["phase_remove"].on_click(self._on_phase_remove)
        c["whatif_go"].on_click(self._on_whatif)
        c["export_png"].on_click(lambda _b: self._export("png"))
        c["export_svg"].on_click(lambda _b: self._export("svg"))
        c["export_changes"].on_click(lambda _b: self._export("changes"))
        c["export_settings"].on_click(lambda _b: self._export("settings"))
        self.refresh()

    # --- state <-> widgets
    def _sync_controls(self) -> None:
        """Put the settings into the widgets without triggering recomputation."""
        s, c = self.settings, self.controls
        self._busy = True
        try:
            c["team"].options = teams_of(self.data)
            c["team"].value = s.team
            cat = measures()
            c["measure"].options = [
                (f"{cat.loc[m, 'title']}" if m in cat.index else m, m)
                for m in measures_of(self.data, s.team)
            ]
            c["measure"].value = s.measure
            c["chart"].value = s.chart
            c["rules"].value = s.rules
            c["improvement"].value = s.improvement
            c["target"].value = "" if s.target is None else fmt_num(s.target).replace(",", "")
            periods = periods_of(self.data, s.team, s.measure)
            opts = _period_options(periods)
            c["baseline"].max = len(periods)
            c["baseline"].value = s.baseline or 0
            # the first point already starts phase 1
            c["phase_pick"].options = [("(choose a date)", None), *opts[1:]]
            c["phase_pick"].index = 0
            c["exclude"].options = opts
            c["exclude"].value = tuple(p for p in s.exclude if p in set(periods))
            self._sync_phases()
            c["export_name"].value = f"{s.team}_{s.measure}"
        finally:
            self._busy = False

    def _sync_phases(self) -> None:
        periods = periods_of(self.data, self.settings.team, self.settings.measure)
        label = dict((v, k) for k, v in _period_options(periods))
        self.controls["phases"].options = [
            (label.get(p, str(p)), p) for p in sorted(self.settings.phase_starts)
        ]

    def _read_controls(self) -> None:
        c = self.controls
        target_text = c["target"].value.strip().replace(",", "")
        try:
            target = float(target_text) if target_text else None
        except ValueError:
            target = self.settings.target
            self.note.value = (
                f"<p style='color:#8a1538'>'{html.escape(target_text)}' is not a "
                "number; the target is unchanged.</p>"
            )
        self.settings = replace(
            self.settings,
            chart=c["chart"].value,
            rules=c["rules"].value,
            improvement=c["improvement"].value,
            target=target,
            baseline=c["baseline"].value or None,
            exclude=list(c["exclude"].value),
        )

    # --- events
    def _on_setting(self, _change: Any) -> None:
        if self._busy:
            return
        self._read_controls()
        self.refresh()

    def _on_team(self, change: Any) -> None:
        if self._busy:
            return
        team = change["new"]
        keep = (
            self.settings.measure if self.settings.measure in measures_of(self.data, team) else None
        )
        self.settings = default_settings(self.data, team, keep, self.chart_settings)
        self._clear_messages()
        self._sync_controls()
        self.refresh()

    def _on_measure(self, change: Any) -> None:
        if self._busy:
            return
        self.settings = default_settings(
            self.data, self.settings.team, change["new"], self.chart_settings
        )
        self._clear_messages()
        self._sync_controls()
        self.refresh()

    def _clear_messages(self) -> None:
        """What-if answers and "Saved ..." belong to the team and measure they were about."""
        self.whatif_out.value = ""
        self.export_out.value = ""

    def _on_load(self, _b: Any) -> None:
        spec = self.controls["data_path"].value.strip()
        try:
            data = load_data(None if spec in ("", "(example collaborative)") else spec)
            settings = default_settings(data, chart_settings=self.chart_settings)
        except (DataValidationError, SPCError, OSError) as exc:
            self.note.value = (
                "<p style='color:#8a1538'><b>The data could not be loaded.</b> "
                f"{html.escape(str(exc))}</p>"
            )
            return
        self.data, self.settings = data, settings
        self._clear_messages()
        self._sync_controls()
        self.refresh()

    def _on_phase_add(self, _b: Any) -> None:
        x = self.controls["phase_pick"].value
        if x is None:
            return
        starts = sorted(set(self.settings.phase_starts) | {x})
        notes = dict(self.settings.notes)
        text = self.controls["phase_note"].value.strip()
        if text:
            notes[x] = "; ".join(t for t in (notes.get(x, ""), text) if t)
        self.settings = replace(self.settings, phase_starts=starts, notes=notes)
        self.controls["phase_note"].value = ""
        self._sync_phases()
        self.refresh()

    def _on_phase_remove(self, _b: Any) -> None:
        gone = set(self.controls["phases"].value)
        self.settings = replace(
            self.settings, phase_starts=[p for p in self.settings.phase_starts if p not in gone]
        )
        self._sync_phases()
        self.refresh()

    def _on_whatif(self, _b: Any) -> None:
        try:
            ans = what_if(self.data, self.settings, self.controls["whatif_value"].value)
        except SPCError as exc:
            self.whatif_out.value = f"<p>{html.escape(str(exc))}</p>"
            return
        colour = "#8a1538" if ans.signal else "#231f20"
        self.whatif_out.value = f"<p style='color:{colour}'>{html.escape(ans.message)}</p>"
        self.last_whatif = ans

    def _export(self, kind: str) -> Path | None:
        name = self.controls["export_name"].value.strip() or "chart"
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        self.export_dir.mkdir(parents=True, exist_ok=True)
        try:
            if kind in ("png", "svg"):
                if self.outcome is None or not self.outcome.ok:
                    raise SPCError("there is no chart to save")
                path = self.export_dir / f"{name}.{kind}"
                fig = draw(self.outcome)
                path.write_bytes(figure_bytes(fig, kind, self.outcome.caption, close=True))
            elif kind == "changes":
                path = write_changes(self.settings, self.export_dir / CHANGE_LOG_FILE)
                what = f"the change log of {self.settings.team}, {self._measure_title()}"
            else:
                path = write_settings(self.settings, self.export_dir / SETTINGS_FILE)
                self.chart_settings = as_chart_settings(path)
                what = (
                    f"the chart settings of {self.settings.team}, {self._measure_title()}: "
                    + saved_words(stored_choice(self.settings))
                )
            if kind in ("png", "svg"):
                what = f"the chart as {kind.upper()}"
        except (SPCError, OSError) as exc:
            self.export_out.value = f"<p>Not saved: {html.escape(str(exc))}</p>"
            return None
        self.export_out.value = (
            f"<p>Saved {html.escape(what)} to <code>{html.escape(str(path))}</code>.</p>"
        )
        self.last_export = path
        self._export_help()
        return path

    def _measure_title(self) -> str:
        title = str(catalogue_row(self.settings.measure)["title"])
        return title[:1].lower() + title[1:] if not title[:2].isupper() else title

    def _export_help(self) -> None:
        """The save tab's words: files, command line, what is saved now and what is not."""
        s = self.settings
        saved = self.chart_settings.choice(s.team, s.measure) or MeasureChoice()
        words = saved_words(saved)
        if stored_choice(s) != saved:
            words += " (what is on screen differs: save the chart settings to keep it)"
        note = reports_note(s.rules, s.chart, str(catalogue_row(s.measure)["chart"]))
        self.out["export_help"].value = export_help_html(self.export_dir, note, words)

    # --- output
    def refresh(self) -> ExploreOutcome:
        """Recompute the verdict, chart, legend, caption and summary from the settings."""
        from spc.plotting import LiveChart, legend_html

        o = compute(self.data, self.settings)
        self.outcome = o
        self.box.outcome = o
        self.box.settings = self.settings
        self.box.data = self.data
        self.note.value = notes_html(o.note, o.warnings, o.error)
        s = self.settings
        hint = reports_note(s.rules, s.chart, str(catalogue_row(s.measure)["chart"]))
        self.out["rules_hint"].value = (
            f"<div class='spc-hint'>{html.escape(hint)}</div>" if hint else ""
        )
        self._export_help()
        if o.ok:
            # the legend and the icons go beside the chart as HTML: they wrap to any width,
            # screen readers read them, and the image draws in about half the time; the figure
            # is kept from one redraw to the next (LiveChart)
            if self.live is None:
                self.live = LiveChart(LIVE_FIGSIZE)
            ax = self.live.draw(o.result, legend=False, icons=False, **plot_options(o))
            self.legend.value = legend_html(ax)
            self.image = self.live.png()
            self.chart.value = self.image
            self.verdict.value = verdict_html(o.verdict, o.icons)
            self.caption.value = f"<p style='max-width:720px'>{html.escape(o.details)}</p>"
            self.summary.value = summary_html(summary_words(o.result))
        else:
            self.image = b""
            self.chart.value = b""
            self.verdict.value = ""
            self.legend.value = ""
            self.caption.value = ""
            self.summary.value = ""
        self.box.image = self.image
        return o


def _period_options(periods: Sequence[pd.Timestamp]) -> list[tuple[str, pd.Timestamp]]:
    period = period_of(pd.Series(pd.to_datetime(list(periods)))) if len(periods) else None
    return [(fmt_x(p, period), pd.Timestamp(p)) for p in periods]
