"""Making Data Count variation and assurance icons: which icon applies, and the icons as SVG.

No matplotlib here: the icon *keys* are derived from the result frame / summary, and the SVG
strings are written by hand so HTML tables need no plotting backend. The matplotlib drawing of
the same designs lives in ``spc.plotting``.

Icon keys follow NHSRplotthedots (``ptd_get_icons``):

* variation: ``common_cause``, ``improvement_high``, ``improvement_low``, ``concern_high``,
  ``concern_low``, ``neutral_high``, ``neutral_low``; and two of safety-spc's own for verdicts
  Making Data Count has no icon for: ``unstable`` (a phase signal such as too few crossings,
  which has no direction) and ``too_few_events`` (a chart of mostly zeros, where run rules are
  not used);
* assurance: ``pass``, ``fail``, ``inconsistent``.

>>> variation_icon("special_cause_improvement", "decrease")
'improvement_low'
>>> assurance_icon("consistent_pass")
'pass'
"""

from __future__ import annotations

import functools
import html

from spc.engine.mdc import ASSURANCE_ICONS as ASSURANCE_ICONS
from spc.engine.mdc import VARIATION_ICONS as VARIATION_ICONS
from spc.engine.mdc import assurance_icon as assurance_icon
from spc.engine.mdc import variation_icon as variation_icon

#: Making Data Count colours (NHSRplotthedots ``ptd_spc_colours``). The point fills keep the
#: MDC hues people recognise; plots add a dark edge to coloured markers so that even the light
#: orange keeps a 3:1 contrast against white (WCAG 2.1 non-text contrast). Blue/orange is the
#: colour-blind-safe pair; shapes carry the same information (see ``spc.plotting``).
MDC_COLOURS: dict[str, str] = {
    "common_cause": "#7B7D7D",  # grey
    "improvement": "#289DE0",  # blue
    "concern": "#FAB428",  # orange
    "neutral": "#361475",  # purple
    "target": "#DE1B1B",  # red
    "edge": "#231F20",  # near-black outline for contrast
}

#: The variation icons' words, by icon key.
VARIATION_ICON_TEXT: dict[str, str] = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause variation: improvement (higher)",
    "improvement_low": "Special cause variation: improvement (lower)",
    "concern_high": "Special cause variation: concern (higher)",
    "concern_low": "Special cause variation: concern (lower)",
    "neutral_high": "Special cause variation: neither improvement nor concern (higher)",
    "neutral_low": "Special cause variation: neither improvement nor concern (lower)",
    "unstable": "Unstable: too few crossings of the centre line, no direction: review the baseline",
    "too_few_events": "Too few events to judge with run rules",
}
#: The assurance icons' words, by icon key.
ASSURANCE_ICON_TEXT: dict[str, str] = {
    "pass": "Assurance: the process will consistently meet the target",
    "fail": "Assurance: the process will consistently fail the target",
    "inconsistent": "Assurance: the process will hit and miss the target at random",
}
#: A point's variation in a report headline, by ``point_type``.
POINT_TYPE_TEXT: dict[str, str] = {
    "common_cause": "common cause variation only",
    "special_cause_improvement": "special cause: improvement",
    "special_cause_concern": "special cause: concern",
    "special_cause_neutral_high": "special cause: unusually high",
    "special_cause_neutral_low": "special cause: unusually low",
    "unstable": "unstable (a phase signal with no direction)",
    "too_few_events": "too few events to judge",
}
#: The assurance in a report headline, by the summary's ``assurance_type``.
ASSURANCE_TYPE_TEXT: dict[str, str] = {
    "consistent_pass": "the target will consistently be met",
    "consistent_fail": "the target will consistently be missed without a change to the process",
    "inconsistent": "the target will sometimes be met and sometimes missed",
}


def icon_colour(key: str) -> str:
    """Ring colour of an icon key."""
    if key.startswith("improvement") or key == "pass":
        return MDC_COLOURS["improvement"]
    if key.startswith("concern") or key == "fail":
        return MDC_COLOURS["concern"]
    if key.startswith("neutral") or key == "unstable":
        return MDC_COLOURS["neutral"]
    return MDC_COLOURS["common_cause"]


def icon_ring_dashed(key: str) -> bool:
    """A dashed ring marks the verdict that is no verdict: too few events to judge (so it does
    not read as common cause at a glance, in colour or in grey)."""
    return key == "too_few_events"


def icon_letter(key: str) -> str:
    """Letter shown in an icon: H/L for special cause, P/F/? for assurance, '' otherwise."""
    if key.endswith("_high"):
        return "H"
    if key.endswith("_low"):
        return "L"
    return {"pass": "P", "fail": "F", "inconsistent": "?"}.get(key, "")


def icon_dots(key: str) -> list[tuple[float, float, bool]]:
    """The mini run of dots inside a variation icon, in a unit box (0..1, y up).

    Returns ``(x, y, highlighted)``; the last points rise or fall for high/low icons. Shared by the
    SVG and matplotlib renderers so both draw the same picture.
    """
    xs = [0.22 + i * 0.09 for i in range(7)]
    base = [0.50, 0.56, 0.46, 0.53, 0.47, 0.54, 0.49]
    if key.endswith("_high"):
        ys = [*base[:3], 0.58, 0.62, 0.66, 0.7]
    elif key.endswith("_low"):
        ys = [*base[:3], 0.42, 0.38, 0.34, 0.3]
    elif key == "unstable":  # clusters on either side: a shift or cycle with no direction
        ys = [0.62, 0.65, 0.61, 0.38, 0.35, 0.39, 0.63]
    elif key == "too_few_events":  # mostly zeros and a single event
        ys = [0.34, 0.34, 0.34, 0.34, 0.62, 0.34, 0.34]
    else:
        ys = base
    special = key not in ("common_cause", "too_few_events")
    return [(x, y, special and i >= 3) for i, (x, y) in enumerate(zip(xs, ys, strict=True))]


def icon_text(key: str) -> str:
    """The words of an icon (what a screen reader says), e.g. "Special cause variation:
    improvement (lower)"; the key itself for an unknown key."""
    return VARIATION_ICON_TEXT.get(key) or ASSURANCE_ICON_TEXT.get(key) or key


@functools.lru_cache(maxsize=256)
def icon_svg(key: str | None, size: int = 28) -> str:
    """Self-contained inline SVG for an icon key, with a ``<title>`` for screen readers.

    Returns ``""`` for ``None``. Deterministic (no ids), safe to embed in HTML.
    """
    if not key:
        return ""
    text = html.escape(icon_text(key))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 100 100" role="img" aria-label="{text}">'
        f"<title>{text}</title>{icon_svg_body(key)}</svg>"
    )


@functools.lru_cache(maxsize=64)
def icon_svg_body(key: str) -> str:
    """The SVG elements that draw an icon in a 100 x 100 box (no root element, no title): for
    :func:`icon_svg` and for a chart that sets the icon into its own SVG."""
    colour = icon_colour(key)
    parts = [
        f'<circle cx="50" cy="50" r="44" fill="white" stroke="{colour}" stroke-width="9"'
        + (' stroke-dasharray="14 9"/>' if icon_ring_dashed(key) else "/>"),
    ]
    letter = icon_letter(key)
    if key in VARIATION_ICONS:
        dots = icon_dots(key)
        pts = " ".join(f"{100 * x:.1f},{100 - 100 * y:.1f}" for x, y, _ in dots)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="#7B7D7D" stroke-width="2"/>')
        for x, y, hi in dots:
            fill = colour if hi else MDC_COLOURS["common_cause"]
            parts.append(
                f'<circle cx="{100 * x:.1f}" cy="{100 - 100 * y:.1f}" r="4.5" fill="{fill}"/>'
            )
        if letter:
            ly = 30 if letter == "H" else 84
            parts.append(
                f'<text x="50" y="{ly}" font-family="DejaVu Sans, Arial, sans-serif" '
                f'font-size="20" font-weight="bold" text-anchor="middle" fill="{colour}">'
                f"{letter}</text>"
            )
    else:
        # Assurance: the target as a dashed line, the verdict as a big letter.
        parts.append(
            f'<line x1="20" y1="70" x2="80" y2="70" stroke="{MDC_COLOURS["target"]}" '
            'stroke-width="4" stroke-dasharray="8 5"/>'
        )
        parts.append(
            f'<text x="50" y="58" font-family="DejaVu Sans, Arial, sans-serif" font-size="42" '
            f'font-weight="bold" text-anchor="middle" fill="{colour}">{letter}</text>'
        )
    return "".join(parts)
