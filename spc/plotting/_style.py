"""Colours, marker shapes and rc settings shared by every safety-spc chart.

Colours are the Making Data Count palette (NHSRplotthedots ``ptd_spc_colours``): improvement
blue ``#289DE0``, concern orange ``#FAB428``, neutral purple ``#361475``, common cause grey
``#7B7D7D``, target red ``#DE1B1B``. Blue/orange is a colour-blind-safe pair; coloured markers get
a near-black edge (``#231F20``) so the light orange still stands out on white, and every signal
also changes the marker *shape*, so nothing depends on colour alone:

* circle ``o``: common cause; hollow circle: excluded from the calculations;
* diamond ``D``: outside the 3-sigma control limits;
* square ``s``: part of a run-type signal (long run, few crossings, shift, trend, 2-of-3 ...).
"""

from __future__ import annotations

from spc.text.icons import MDC_COLOURS

COLOURS: dict[str, str] = {
    **MDC_COLOURS,
    "data": "#7B7D7D",
    "cl": "#231F20",
    "limit": "#5F6161",
    "limit95": "#A6A6A6",
    "annotation": "#005EB8",  # NHS blue
}

#: Marker shape per point category (see module docstring).
MARKERS: dict[str, str] = {"common": "o", "outside": "D", "run": "s", "excluded": "o"}

#: rc settings applied (temporarily, through ``matplotlib.rc_context``) while drawing and saving.
#: DejaVu Sans ships with matplotlib, so text metrics and output bytes match on every machine.
STYLE_RC: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#5F6161",
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "svg.hashsalt": "safety-spc",  # fixed ids -> byte-identical SVG for the same input
    "svg.fonttype": "path",
    "path.simplify": True,
}

#: Default size of a single chart in inches (800 x 450 px at 100 dpi).
FIGSIZE: tuple[float, float] = (8.0, 4.5)
#: A report page's chart (``chart_html``): the legend goes under the image as HTML, so the
#: figure is shorter by about the two legend rows it held, and the plotting area stays the size
#: of ``FIGSIZE``'s.
PAGE_FIGSIZE: tuple[float, float] = (8.0, 4.0)
