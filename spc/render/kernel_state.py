"""Runs where the cells run (a warm Jupyter kernel, or a worker's own shell): snapshot the
fresh state once, restore it per report.

A warm kernel or a worker's shell (``spc.render.inprocess``) renders many team reports one
after another. Between two reports it must look like a fresh kernel to the notebook: empty
namespace, the original working directory, environment variables and matplotlib settings,
and no open figures. Imported modules stay
loaded: that is the whole point (pandas, matplotlib and spc import once per worker).
"""

from __future__ import annotations

import os
import sys
import warnings

#: What a report needs, imported once where the cells run (``import spc`` alone is lazy).
REPORT_IMPORTS = (
    "import pandas, numpy, matplotlib, spc, spc.report, spc.report.display\n"
    "import spc.plotting._chart, spc.plotting._html, spc.plotting._live\n"
)

_SNAPSHOT: dict[str, object] = {}


def snapshot() -> None:
    """Record the kernel's fresh state; call once, right after the kernel starts."""
    import matplotlib

    _SNAPSHOT["environ"] = dict(os.environ)
    _SNAPSHOT["cwd"] = os.getcwd()
    _SNAPSHOT["rc"] = dict(matplotlib.rcParams)
    _SNAPSHOT["path"] = list(sys.path)


def _clear_shell(shell: object) -> None:
    """What ``%reset -f`` clears (user namespace, In/Out history, ``_`` variables), but
    without the forced full garbage collection that costs a quarter of a second on a warm
    heap; Python's own collector still runs as usual."""
    ns = shell.user_ns  # type: ignore[attr-defined]
    for key in list(ns):
        if key not in ("__builtin__", "__builtins__", "__name__"):
            del ns[key]
    shell.user_ns_hidden.clear()  # type: ignore[attr-defined]
    history = shell.history_manager  # type: ignore[attr-defined]
    history.input_hist_parsed[:] = [""]
    history.input_hist_raw[:] = [""]
    history.output_hist.clear()
    history.output_hist_reprs.clear()
    history._i = history._ii = history._iii = history._i00 = ""
    hook = shell.displayhook  # type: ignore[attr-defined]
    hook._, hook.__, hook.___ = "", "", ""
    shell.execution_count = 1  # type: ignore[attr-defined]
    shell.init_user_ns()  # type: ignore[attr-defined]


def reset(cwd: str) -> None:
    """Restore the snapshot and clear the user namespace before the next notebook."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        _clear_shell(shell)
    os.environ.clear()
    os.environ.update(_SNAPSHOT["environ"])  # type: ignore[arg-type]
    sys.path[:] = _SNAPSHOT["path"]  # type: ignore[assignment]
    os.chdir(cwd)
    import matplotlib

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_SNAPSHOT["rc"])  # type: ignore[arg-type]
