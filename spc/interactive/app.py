"""``spc.explore()``: the interactive explorer, an ipywidgets box for one team and measure.

Controls for the data file, team, measure, chart type, rule set, phase starts, baseline,
exclusions, target and improvement direction; the chart, its caption and the summary update as
they change. A what-if tab answers "would next month's value be a signal?", and an export tab
saves the chart (PNG/SVG), a change log and a chart settings file, which the reports read
(``change_log``, ``chart_settings``), so what a fellow decides here is what the collaborative
report shows; reopened, the explorer starts from the choices already saved there.

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
from spc.data.chart_settings import ChartSettings, as_chart_settings
from spc.data.problems import DataValidationError
from spc.errors import SPCError
from spc.interactive.exports import write_changes, write_settings
from spc.interactive.layout import build_controls, build_layout, build_outputs
from spc.interactive.state import (
    SETTINGS_FILE,
    ExploreOutcome,
    compute,
    default_settings,
    draw,
    figure_bytes,
    load_data,
    measures_of,
    periods_of,
    teams_of,
    what_if,
)
from spc.interactive.static import summary_table
from spc.text.labels import fmt_num, fmt_x, period_of

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

    The returned box has ``.controls`` (name -> widget), ``.settings``, ``.outcome`` (the current
    :class:`ExploreOutcome`), ``.image`` (PNG bytes shown), ``.data`` and ``.refresh()``.
    """
    export_dir = Path(export_dir)
    if chart_settings is None and (export_dir / SETTINGS_FILE).is_file():
        chart_settings = export_dir / SETTINGS_FILE
    return _Explorer(data, team, measure, export_dir, as_chart_settings(chart_settings), kwargs).box


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
    ) -> None:
        import ipywidgets as w

        self.w = w
        self.export_dir = export_dir
        self.chart_settings = chart_settings
        self.source_label = (
            "(example collaborative)"
            if data is None
            else ("(data passed in)" if isinstance(data, pd.DataFrame) else str(data))
        )
        self.data = load_data(data)
        self.settings = default_settings(self.data, team, measure, chart_settings, **initial)
        self._busy = False
        c = build_controls(self.source_label)
        out = build_outputs()
        self.controls = c
        self.note, self.chart, self.caption = out["note"], out["chart"], out["caption"]
        self.summary, self.whatif_out, self.export_out = (
            out["summary"],
            out["whatif_out"],
            out["export_out"],
        )
        self.outcome: ExploreOutcome | None = None
        self.image = b""
        self.box = build_layout(c, out, export_dir)
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
            c["phase_pick"].options = opts[1:]  # the first point already starts phase 1
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
        self._sync_controls()
        self.refresh()

    def _on_measure(self, change: Any) -> None:
        if self._busy:
            return
        self.settings = default_settings(
            self.data, self.settings.team, change["new"], self.chart_settings
        )
        self._sync_controls()
        self.refresh()

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
                path = write_changes(self.settings, self.export_dir / "change_log.csv")
            else:
                path = write_settings(self.settings, self.export_dir / SETTINGS_FILE)
                self.chart_settings = as_chart_settings(path)
        except (SPCError, OSError) as exc:
            self.export_out.value = f"<p>Not saved: {html.escape(str(exc))}</p>"
            return None
        self.export_out.value = f"<p>Saved <code>{html.escape(str(path))}</code></p>"
        self.last_export = path
        return path

    # --- output
    def refresh(self) -> ExploreOutcome:
        """Recompute the chart, caption and summary from the current settings."""
        o = compute(self.data, self.settings)
        self.outcome = o
        self.box.outcome = o
        self.box.settings = self.settings
        self.box.data = self.data
        notes = []
        if o.error:
            notes.append(f"<b>This chart cannot be drawn:</b> {html.escape(o.error)}")
        if o.note:
            notes.append(f"<b>Note on the chart type:</b> {html.escape(o.note)}")
        notes.extend(f"<i>{html.escape(m)}</i>" for m in o.warnings)
        self.note.value = "".join(f"<p>{n}</p>" for n in notes)
        if o.ok:
            self.image = figure_bytes(draw(o), "png", close=True)
            self.chart.value = self.image
            self.caption.value = f"<p style='max-width:800px'>{html.escape(o.caption)}</p>"
            table = summary_table(o)
            self.summary.value = (
                ""
                if table is None
                else table.to_html(index=False, na_rep="", float_format="{:.3g}".format)
            )
        else:
            self.image = b""
            self.chart.value = b""
            self.caption.value = ""
            self.summary.value = ""
        self.box.image = self.image
        return o


def _period_options(periods: Sequence[pd.Timestamp]) -> list[tuple[str, pd.Timestamp]]:
    period = period_of(pd.Series(pd.to_datetime(list(periods)))) if len(periods) else None
    return [(fmt_x(p, period), pd.Timestamp(p)) for p in periods]
