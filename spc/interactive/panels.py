"""The explorer's panels as HTML: the verdict with its icons, notes and warnings, the summary
table, the export tab's words, and the style sheet that lays the controls out at laptop size.

Strings only (no widgets): ``spc.interactive.app`` puts them into ``ipywidgets.HTML``. Every
text is escaped; the icons are ``spc.text.icons``' inline SVG, each with a title for screen
readers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from spc.text.icons import icon_colour, icon_svg

__all__ = [
    "EXPLORER_CSS",
    "export_help_html",
    "notes_html",
    "summary_html",
    "verdict_html",
]

#: Class of the explorer's outer box; the style sheet applies only inside it.
EXPLORER_CLASS = "spc-explorer"
#: Class of the box of controls, whose labels go above their inputs.
CONTROLS_CLASS = "spc-controls"

#: Styles for the explorer (one ``<style>`` element in an HTML widget). Each control's label
#: goes above its input and both take the column's full width, so a narrow column (a laptop
#: with JupyterLab's file browser open) never cuts a value or scrolls sideways.
EXPLORER_CSS = f"""<style>
.{EXPLORER_CLASS} {{ font-size: 13px; }}
.{EXPLORER_CLASS} .widget-html-content {{ line-height: 1.45; }}
.{EXPLORER_CLASS} .widget-html-content p {{ margin: 2px 0 6px 0; }}
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox {{
  flex-direction: column; align-items: stretch; height: auto !important;
  line-height: normal !important; width: 100%; margin: 2px 0 5px 0;
}}
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox > .widget-label {{
  width: auto !important; max-width: none; text-align: left; white-space: normal;
  height: auto; line-height: 18px; margin: 0 0 1px 0; padding: 0; overflow: visible;
}}
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox > select,
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox > input {{
  width: 100%; min-width: 0; box-sizing: border-box; flex: 0 0 auto;
}}
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox > select:not([multiple]),
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .widget-inline-hbox > input {{ height: 28px; }}
.{EXPLORER_CLASS} .{CONTROLS_CLASS} .jupyter-button {{ width: auto; max-width: 100%; }}
.{EXPLORER_CLASS} .spc-section {{ font-weight: bold; margin: 8px 0 2px 0; }}
.{EXPLORER_CLASS} .spc-hint {{ color: #4a4a4a; font-size: 12px; line-height: 1.35; }}
.{EXPLORER_CLASS} table.spc-summary {{
  border-collapse: collapse; font-size: 12px; max-width: 100%; margin: 4px 0;
}}
.{EXPLORER_CLASS} table.spc-summary th, .{EXPLORER_CLASS} table.spc-summary td {{
  border-bottom: 1px solid #d8d8d8; padding: 3px 8px 3px 0; text-align: left;
  vertical-align: top; overflow-wrap: anywhere;
}}
.{EXPLORER_CLASS} table.spc-summary thead th {{ border-bottom: 2px solid #888; }}
.{EXPLORER_CLASS} .spc-verdict {{
  display: flex; gap: 10px; align-items: center; padding: 6px 10px; margin: 0 0 6px 0;
  background: #f5f7fa; border-left: 5px solid #7b7d7d;
}}
.{EXPLORER_CLASS} .spc-verdict b {{ font-size: 14px; line-height: 1.4; }}
.{EXPLORER_CLASS} .spc-notes p {{ margin: 2px 0 4px 0; }}
</style>"""


def verdict_html(verdict: str, icons: Sequence[str]) -> str:
    """The verdict sentence (the same words as the reports) in bold beside its Making Data
    Count icons, with a coloured bar in the variation icon's colour."""
    if not verdict:
        return ""
    colour = icon_colour(icons[0]) if icons else "#7b7d7d"
    svgs = "".join(icon_svg(key, size=40) for key in icons)
    return (
        f'<div class="spc-verdict" role="status" style="border-left-color:{colour}">'
        f"<div style='flex:0 0 auto;display:flex;gap:4px'>{svgs}</div>"
        "<div><div class='spc-hint'>What the chart says (the words the reports use)</div>"
        f"<b>{html.escape(verdict)}</b></div></div>"
    )


def notes_html(note: str | None, warnings: Sequence[str], error: str | None = None) -> str:
    """The chart-type note, the warnings and an error, each as a short paragraph."""
    parts = []
    if error:
        parts.append(
            f"<p style='color:#8a1538'><b>This chart cannot be drawn:</b> {html.escape(error)}</p>"
        )
    if note:
        parts.append(f"<p><b>Note on the chart type:</b> {html.escape(note)}</p>")
    parts.extend(f"<p>\u26a0 {html.escape(w)}</p>" for w in warnings)
    return f"<div class='spc-notes'>{''.join(parts)}</div>" if parts else ""


def summary_html(table: pd.DataFrame | None) -> str:
    """The summary in words (``spc.interactive.words.summary_words``) as a narrow table: a
    column per phase, so it fits beside the chart without a sideways scrollbar."""
    if table is None or table.empty:
        return ""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        f"<tr><th scope='row'>{html.escape(str(name))}</th>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for name, row in zip(table.index, table.to_numpy(), strict=True)
    )
    return (
        "<details open><summary>The chart in numbers</summary>"
        "<table class='spc-summary'><thead><tr><th></th>"
        f"{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def export_help_html(export_dir: Path, reports_note: str | None, saved: str) -> str:
    """What the export tab writes, where, and how the reports read it; what they will not
    follow (``reports_note``); what is saved for this team and measure now (``saved``)."""
    folder = html.escape(str(export_dir))
    settings = html.escape(str(export_dir / "chart_settings.json"))
    changes = html.escape(str(export_dir / "change_log.csv"))
    note = f"<p><b>Not saved:</b> {html.escape(reports_note)}</p>" if reports_note else ""
    return (
        f"<p>Files go to <code>{folder}</code>. <b>Chart settings</b> "
        "(<code>chart_settings.json</code>) keeps this team's baseline, the phase starts you "
        "set, the points left out and the target; the <b>change log</b> "
        "(<code>change_log.csv</code>) keeps the change notes. The reports follow both: "
        f"<code>safety-spc render DATA-FILES --chart-settings {settings} --change-log "
        f"{changes}</code> (in the team report notebook: the parameters "
        "<code>chart_settings</code> and <code>change_log</code>). Reopened with this export "
        "folder, the explorer starts from them.</p>"
        f"<p class='spc-hint'>Saved now for this team and measure: {html.escape(saved)}.</p>"
        f"{note}"
    )
