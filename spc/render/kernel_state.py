"""Runs *inside* a warm Jupyter kernel: snapshot the fresh state once, restore it per report.

A warm kernel renders many team reports one after another. Between two reports it must look
like a fresh kernel to the notebook: empty namespace, the original working directory,
environment variables and matplotlib settings, and no open figures. Imported modules stay
loaded: that is the whole point (pandas, matplotlib and spc import once per worker).
"""

from __future__ import annotations

import os
import sys
import warnings

_SNAPSHOT: dict[str, object] = {}


def snapshot() -> None:
    """Record the kernel's fresh state; call once, right after the kernel starts."""
    import matplotlib

    _SNAPSHOT["environ"] = dict(os.environ)
    _SNAPSHOT["cwd"] = os.getcwd()
    _SNAPSHOT["rc"] = dict(matplotlib.rcParams)
    _SNAPSHOT["path"] = list(sys.path)


def reset(cwd: str) -> None:
    """Restore the snapshot and clear the user namespace before the next notebook."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("reset", "-f")  # user namespace, Out history, _ variables
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
