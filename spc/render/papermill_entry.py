"""papermill entry point for the ``safety-spc-warm`` engine (``papermill --engine ...``).

papermill loads entry points while ``papermill.engines`` is still importing, so this module
imports nothing from papermill (nor ``spc.render.warm``, which does) at import time: it would
either find papermill half-initialised or, imported first, make papermill find this module
half-initialised. The proxy defers to the real engine when a notebook is executed. papermill
calls only these three class methods on an engine.
"""

from __future__ import annotations

from typing import Any


def _engine() -> Any:
    from spc.render.warm import WarmKernelEngine as Engine

    return Engine


class WarmKernelEngine:
    """Proxy for :class:`spc.render.warm.WarmKernelEngine`."""

    @classmethod
    def execute_notebook(cls, *args: Any, **kwargs: Any) -> Any:
        return _engine().execute_notebook(*args, **kwargs)

    @classmethod
    def nb_kernel_name(cls, *args: Any, **kwargs: Any) -> Any:
        return _engine().nb_kernel_name(*args, **kwargs)

    @classmethod
    def nb_language(cls, *args: Any, **kwargs: Any) -> Any:
        return _engine().nb_language(*args, **kwargs)
