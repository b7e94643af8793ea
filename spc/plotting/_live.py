"""One chart redrawn again and again into the same figure (the explorer's live view).

A new figure per redraw pays for creating the figure, its axes and every tick, and measures
every text afresh; kept, the figure reuses its ticks and the renderer's cache of text sizes, so
a redraw costs about a fifth less. The figure is not pyplot's (never shown by the inline
backend, never needs closing).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib as mpl
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spc.plotting._style import FIGSIZE, STYLE_RC

__all__ = ["LiveChart", "clear_axes"]


def clear_axes(ax: Axes) -> None:
    """Empty ``ax`` of everything a chart drew into it, keeping its ticks (the costly part of a
    new Axes), so that the next chart drawn into it is the chart a new Axes would show."""
    for artist in [
        *ax.lines,
        *ax.texts,
        *ax.patches,
        *ax.collections,
        *ax.images,
        *ax.artists,
        *ax.child_axes,
    ]:
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.relim()
    ax.set_autoscale_on(True)
    # a chart of categories leaves fixed ticks behind; dates and numbers set their own
    ax.xaxis.set_major_locator(ticker.AutoLocator())
    ax.xaxis.set_major_formatter(ticker.ScalarFormatter())


class LiveChart:
    """A figure of ``figsize`` inches whose one chart :meth:`draw` replaces each time.

    >>> live = LiveChart((7.2, 4))                        # doctest: +SKIP
    >>> ax = live.draw(res, legend=False)                 # doctest: +SKIP
    >>> png = live.png()                                  # doctest: +SKIP
    """

    def __init__(self, figsize: tuple[float, float] = FIGSIZE) -> None:
        with mpl.rc_context(STYLE_RC):
            self.figure = Figure(figsize=figsize)
            FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_subplot()

    def _clear(self) -> None:
        clear_axes(self.ax)
        self.figure.legends.clear()
        self.figure.texts.clear()

    def draw(self, res: Any, **options: Any) -> Axes:
        """Draw ``res`` (as :func:`spc.plotting.plot` does on a figure of its own) in place of
        the previous chart; returns the Axes."""
        from spc.plotting._chart import plot

        self._clear()
        return plot(res, ax=self.ax, own_layout=True, **options)

    def draw_funnel(self, df: Any, y: str, n: str, label: str, **options: Any) -> Axes:
        """Draw a funnel plot (as :func:`spc.plotting.funnel` does on a figure of its own) in
        place of the previous chart; returns the Axes. The overview draws one per measure."""
        from spc.plotting._funnel import funnel, funnel_margins

        self._clear()
        self.ax.set_xscale("linear")  # a funnel over more than a decade left it logarithmic
        funnel_margins(self.figure)
        return funnel(df, y, n, label, ax=self.ax, **options)

    def png(self, description: str | None = None) -> bytes:
        """The figure as PNG bytes (as ``spc.plotting.save`` writes them, quickly compressed)."""
        title = self.ax.get_title(loc="left") or self.ax.get_title()
        metadata = {k: v for k, v in (("Title", title), ("Description", description)) if v}
        buf = io.BytesIO()
        with mpl.rc_context(STYLE_RC):
            self.figure.savefig(
                buf,
                format="png",
                dpi=100,
                metadata=metadata or None,
                pil_kwargs={"compress_level": 1},
            )
        return buf.getvalue()
