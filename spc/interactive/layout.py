"""The explorer's widgets and how they are laid out (no behaviour: ``spc.interactive.app``
wires them to the state functions).

Designed for a laptop (1366 x 768) with JupyterLab's file browser open: the chart and the
controls share a row that wraps, so where there is no room for both the chart comes first and
the controls follow under it; every control takes its column's full width with its label above
it (``panels.EXPLORER_CSS``), so values are never cut and nothing scrolls sideways.
"""

from __future__ import annotations

from typing import Any

from spc.chart_types import CHART_TYPES
from spc.engine.rules import RULES
from spc.interactive.panels import CONTROLS_CLASS, EXPLORER_CLASS, EXPLORER_CSS
from spc.text.labels import chart_name

__all__ = ["build_controls", "build_layout", "build_outputs"]


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_controls(source_label: str) -> dict[str, Any]:
    """The named input widgets: data, chart settings, phases, what-if and export controls.

    Typed fields (target, baseline, what-if value) send their value when Enter is pressed or
    the field is left, not on every keystroke, so the chart is not redrawn per character.
    """
    import ipywidgets as w

    def full() -> dict[str, Any]:
        """Each control its own layout: the column's full width, label above (the CSS)."""
        return {
            "layout": w.Layout(width="100%", min_width="0"),
            "style": {"description_width": "initial"},
        }

    c: dict[str, Any] = {}
    c["data_path"] = w.Text(
        value=source_label,
        description="Data file(s), comma-separated, or a folder",
        continuous_update=False,
        **full(),
    )
    c["load"] = w.Button(description="Load data", icon="upload")
    c["team"] = w.Dropdown(description="Team / ward", **full())
    c["measure"] = w.Dropdown(description="Measure", **full())
    c["chart"] = w.Dropdown(
        description="Chart type",
        options=[(_first_up(chart_name({"chart": k})), k) for k in CHART_TYPES],
        **full(),
    )
    c["rules"] = w.Dropdown(
        description="Rule set",
        options=[(rs.label, name) for name, rs in RULES.items()],
        **full(),
    )
    c["improvement"] = w.Dropdown(
        description="Better is",
        options=[
            ("lower (decrease)", "decrease"),
            ("higher (increase)", "increase"),
            ("neither (neutral)", "neutral"),
        ],
        **full(),
    )
    c["target"] = w.Text(
        description="Target (Enter to apply)",
        placeholder="blank: no target",
        continuous_update=False,
        **full(),
    )
    c["baseline"] = w.BoundedIntText(
        description="Baseline: the first N points (0: the points before the first change)",
        min=0,
        max=1000,
        continuous_update=False,
        **full(),
    )
    c["phase_pick"] = w.Dropdown(description="New limits from", **full())
    c["phase_note"] = w.Text(
        description="What changed then", placeholder="e.g. PDSA 2: bay tagging", **full()
    )
    c["phase_add"] = w.Button(description="Add phase start", icon="plus")
    c["phases"] = w.SelectMultiple(description="Phase starts you set", rows=3, **full())
    c["phase_remove"] = w.Button(description="Remove selected", icon="minus")
    c["exclude"] = w.SelectMultiple(
        description="Leave out of the calculations (still shown)", rows=4, **full()
    )
    c["whatif_value"] = w.FloatText(
        description="Next value (in the chart's unit)", continuous_update=False, **full()
    )
    c["whatif_go"] = w.Button(description="Would it signal?", icon="question")
    c["export_name"] = w.Text(description="Chart file name", **full())
    c["export_png"] = w.Button(description="Chart as PNG", icon="download")
    c["export_svg"] = w.Button(description="Chart as SVG", icon="download")
    c["export_changes"] = w.Button(
        description="Save change log",
        icon="save",
        tooltip="change notes and phase starts, for the reports (--change-log)",
    )
    c["export_settings"] = w.Button(
        description="Save chart settings",
        icon="save",
        tooltip="baseline, phase starts, points left out and target, for the reports "
        "(--chart-settings)",
    )
    for name in ("export_png", "export_svg", "export_changes", "export_settings"):
        c[name].layout = w.Layout(width="auto")
    return c


def build_outputs() -> dict[str, Any]:
    """The output widgets: verdict, notes, the chart image and its legend, caption, summary,
    the rule-set hint, what-if and export messages."""
    import ipywidgets as w

    return {
        "verdict": w.HTML(layout=w.Layout(margin="2px 0")),
        "note": w.HTML(layout=w.Layout(margin="2px 0")),
        # drawn at about the size it is shown; never wider than its column
        "chart": w.Image(
            format="png", layout=w.Layout(width="100%", max_width="720px", margin="0")
        ),
        "legend": w.HTML(layout=w.Layout(margin="2px 0")),
        "caption": w.HTML(layout=w.Layout(margin="2px 0")),
        "summary": w.HTML(layout=w.Layout(margin="2px 0")),
        "rules_hint": w.HTML(layout=w.Layout(margin="2px 0")),
        "whatif_out": w.HTML(layout=w.Layout(margin="2px 0")),
        "export_help": w.HTML(layout=w.Layout(margin="2px 0")),
        "export_out": w.HTML(layout=w.Layout(margin="2px 0")),
    }


def build_layout(c: dict[str, Any], out: dict[str, Any]) -> Any:
    """Team and measure across the top, then the verdict; the chart with its words and the
    controls in a row that wraps (chart first); then tabs for what-if, saving for the reports
    and loading other data."""
    import ipywidgets as w

    def section(text: str) -> Any:
        return w.HTML(f"<div class='spc-section'>{text}</div>")

    # what is being looked at, across the whole width: measure names are long
    c["team"].layout = w.Layout(flex="0 1 200px", min_width="140px", margin="0 16px 0 0")
    c["measure"].layout = w.Layout(flex="1 1 360px", min_width="0")
    top = w.Box(
        [c["team"], c["measure"]],
        layout=w.Layout(display="flex", flex_flow="row wrap"),
    )
    top.add_class(CONTROLS_CLASS)
    controls = w.VBox(
        [
            section("Chart"),
            c["chart"],
            c["rules"],
            out["rules_hint"],
            c["improvement"],
            c["target"],
            c["baseline"],
            section("Phases: new limits after a change"),
            c["phase_pick"],
            c["phase_note"],
            c["phase_add"],
            c["phases"],
            c["phase_remove"],
            section("Points"),
            c["exclude"],
        ],
        layout=w.Layout(
            flex="1 1 250px", min_width="220px", max_width="340px", margin="0 18px 0 0"
        ),
    )
    controls.add_class(CONTROLS_CLASS)
    main = w.VBox(
        [out["note"], out["chart"], out["legend"], out["caption"], out["summary"]],
        layout=w.Layout(flex="3 1 440px", min_width="0", padding="0 6px 0 0"),
    )
    # row-reverse: the controls sit left of the chart when both fit, under it when not
    row = w.Box(
        [main, controls],
        layout=w.Layout(
            display="flex",
            flex_flow="row-reverse wrap",
            justify_content="flex-end",
            align_items="flex-start",
        ),
    )
    whatif = w.VBox(
        [
            w.HTML(
                "<p class='spc-hint'>A hypothetical next value, in the chart's unit: would it "
                "be a signal with these settings?</p>"
            ),
            c["whatif_value"],
            c["whatif_go"],
            out["whatif_out"],
        ],
        layout=w.Layout(max_width="640px"),
    )
    export = w.VBox(
        [
            out["export_help"],
            w.HBox(
                [c["export_settings"], c["export_changes"]],
                layout=w.Layout(flex_flow="row wrap"),
            ),
            c["export_name"],
            w.HBox(
                [c["export_png"], c["export_svg"]],
                layout=w.Layout(flex_flow="row wrap"),
            ),
            out["export_out"],
        ],
        layout=w.Layout(max_width="720px"),
    )
    data = w.VBox(
        [
            w.HTML(
                "<p class='spc-hint'>CSV or Excel files in the templates' formats "
                "(<code>safety-spc template --list</code>), comma-separated, or a folder.</p>"
            ),
            c["data_path"],
            c["load"],
        ],
        layout=w.Layout(max_width="640px"),
    )
    for box in (whatif, export, data):
        box.add_class(CONTROLS_CLASS)
    tabs = w.Tab(children=[whatif, export, data], layout=w.Layout(margin="6px 0 0 0"))
    for i, title in enumerate(("What if?", "Save for the reports", "Other data")):
        tabs.set_title(i, title)
    root = w.VBox(
        [w.HTML(EXPLORER_CSS), top, out["verdict"], row, tabs],
        layout=w.Layout(width="100%", max_width="1200px"),
    )
    root.add_class(EXPLORER_CLASS)
    return root
