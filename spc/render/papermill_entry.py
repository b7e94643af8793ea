"""papermill entry point for the ``safety-spc-warm`` engine (``papermill --engine ...``).

papermill loads entry points while ``papermill.engines`` is still importing, so this module
must not import ``spc.render.warm`` at import time (that module imports papermill.engines):
the proxy defers to it when a notebook is executed.
"""

from __future__ import annotations

from typing import Any

from papermill.engines import NBClientEngine


class WarmKernelEngine(NBClientEngine):
    """Proxy for :class:`spc.render.warm.WarmKernelEngine`."""

    @classmethod
    def execute_managed_notebook(cls, *args: Any, **kwargs: Any) -> Any:
        from spc.render.warm import WarmKernelEngine as Engine

        return Engine.execute_managed_notebook(*args, **kwargs)
