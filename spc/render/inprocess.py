"""A papermill engine that runs a notebook's cells in the worker process's own IPython shell.

A render's worker process used to drive a Jupyter kernel: a second process, started per worker,
that imported pandas, matplotlib and spc again and sent every chart's SVG to the worker as a
JSON message over ZeroMQ. Here the worker *is* the kernel: an IPython ``InteractiveShell``
in the worker process executes each code cell and its outputs are recorded in nbformat's
shapes (stream, display_data, execute_result, error) exactly where a kernel's would land.
Each notebook still starts from a fresh state (``spc.render.kernel_state.reset``: empty
namespace, working directory, environment, matplotlib settings, no open figures), and
papermill still injects the parameters, times the cells and marks the failing cell.

What a kernel gave and how it is kept here:

* **timeouts**: ``SIGALRM`` in the worker's main thread stops a cell that runs too long; the
  report fails with nbclient's ``CellTimeoutError``, as with a kernel.
* **a crash** (a segfault, the out-of-memory killer) takes the worker process with it, not
  just a kernel: the driver (``spc.render.batch``) starts new workers and finds which report
  crashed by running the suspects one at a time.
* **inline figures**: matplotlib's inline backend is switched on, so a figure left open at the
  end of a cell is shown as a PNG, as in Jupyter.

Only for a process pool's workers (a main thread, SIGALRM): Dask workers run tasks in threads
and keep the warm-kernel engine (``spc.render.warm``). Registered with papermill as
``safety-spc-inprocess``.

Example::

    >>> import papermill                                   # doctest: +SKIP
    >>> papermill.execute_notebook("in.ipynb", "out.ipynb",
    ...                            engine_name=ENGINE_NAME)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbformat import from_dict
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

from spc.render import kernel_state

__all__ = ["ENGINE_NAME", "InProcessEngine", "get_shell"]

ENGINE_NAME = "safety-spc-inprocess"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class _Outputs:
    """The outputs of the cell being executed, in the order they happen."""

    def __init__(self) -> None:
        self.cell: list[dict[str, Any]] = []
        self.by_display_id: dict[str, list[dict[str, Any]]] = {}

    def add(self, msg_type: str, content: dict[str, Any]) -> None:
        """Record an output given as a kernel message's type and content would be."""
        if msg_type == "stream" and self.cell and self.cell[-1].get("name") == content["name"]:
            last = self.cell[-1]
            if last["output_type"] == "stream":  # a kernel's client joins them the same way
                last["text"] += content["text"]
                return
        output = _output(msg_type, content)
        self.cell.append(output)
        display_id = (content.get("transient") or {}).get("display_id")
        if display_id:
            self.by_display_id.setdefault(display_id, []).append(output)

    def update(self, content: dict[str, Any]) -> None:
        """``update_display``: every earlier output with that display id takes the new data."""
        display_id = (content.get("transient") or {}).get("display_id")
        for output in self.by_display_id.get(display_id, []):
            output["data"] = _json_data(content["data"])
            output["metadata"] = from_dict(content.get("metadata") or {})


def _json_data(data: dict[str, Any]) -> Any:
    """A mime bundle as a kernel's message carries it: bytes (a PNG) as base64 text."""
    return from_dict(
        {
            k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v
            for k, v in data.items()
        }
    )


def _output(msg_type: str, content: dict[str, Any]) -> Any:
    """The nbformat output a kernel's message of ``msg_type`` becomes (nbclient's shapes)."""
    if msg_type == "stream":
        return from_dict(
            {"output_type": "stream", "name": content["name"], "text": content["text"]}
        )
    if msg_type == "error":
        keys = ("ename", "evalue", "traceback")
        return from_dict({"output_type": "error"} | {k: content[k] for k in keys})
    output = {
        "output_type": msg_type,
        "data": _json_data(content["data"]),
        "metadata": from_dict(content.get("metadata") or {}),
    }
    if msg_type == "execute_result":
        output["execution_count"] = content.get("execution_count")
    return from_dict(output)


class _Stream:
    """``sys.stdout`` / ``sys.stderr`` while a cell runs: text becomes stream outputs."""

    def __init__(self, outputs: _Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        if text:
            self.outputs.add("stream", {"name": self.name, "text": str(text)})
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    """``display()`` records a display_data output (or updates one, by display id)."""

    def publish(  # type: ignore[override]
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        content = {"data": data, "metadata": metadata or {}, "transient": transient or {}}
        shell: Any = self.shell
        if update:
            shell.outputs.update(content)
        else:
            shell.outputs.add("display_data", content)

    def clear_output(self, wait: bool = False) -> None:
        shell: Any = self.shell
        shell.outputs.cell.clear()


class _DisplayHook(DisplayHook):
    """A cell's last expression records an execute_result output, as a kernel sends it."""

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
        shell: Any = self.shell
        content = {"data": format_dict, "metadata": md_dict or {}}
        shell.outputs.add("execute_result", content | {"execution_count": self.prompt_count})

    def finish_displayhook(self) -> None:
        pass


class _Timeout(BaseException):
    """Raised in a cell by SIGALRM when the cell runs past its time (a BaseException, so the
    cell's own ``except Exception`` cannot swallow it)."""


class _Shell(InteractiveShell):
    """The worker's shell: outputs go to :attr:`outputs`, a traceback becomes an error output."""

    display_pub_class = _Publisher  # type: ignore[assignment]
    displayhook_class = _DisplayHook  # type: ignore[assignment]

    def __init__(self, **kwargs: Any) -> None:
        self.outputs = _Outputs()
        super().__init__(**kwargs)

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        content = {"ename": etype.__name__, "evalue": str(evalue), "traceback": stb}
        self.outputs.add("error", content)

    def enable_gui(self, gui: str | None = None) -> None:
        pass  # no event loop to hook: figures are shown inline


_shell: _Shell | None = None


def get_shell() -> _Shell:
    """This process's shell, made on first use with the report's modules imported, the inline
    backend on and the fresh state recorded; no history database, as the warm kernels."""
    global _shell
    if _shell is None:
        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "nocolor"
        shell = _Shell.instance(config=config)
        shell.enable_matplotlib("inline")
        shell.run_cell(kernel_state.REPORT_IMPORTS, store_history=False, silent=True)
        if shell.outputs.cell:
            raise RuntimeError(f"the report modules did not import: {shell.outputs.cell}")
        kernel_state.snapshot()
        _shell = shell
    return _shell


def _execute_cell(shell: _Shell, cell: Any, timeout: float | None) -> None:
    """Run one code cell, its outputs into ``cell.outputs``; raise as nbclient would."""
    shell.outputs = _Outputs()
    cell.outputs = shell.outputs.cell
    timing = {"iopub.status.busy": _now()}
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(shell.outputs, "stdout"), _Stream(shell.outputs, "stderr")
    previous: Any = None
    if timeout:
        previous = signal.signal(signal.SIGALRM, _raise_timeout)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        timing["iopub.execute_input"] = _now()
        cell.execution_count = shell.execution_count
        result = shell.run_cell(cell.source, store_history=True)
        error = result.error_in_exec or result.error_before_exec
    except _Timeout as late:  # the alarm rang in IPython's own code, after the user's
        error = late
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        sys.stdout, sys.stderr = saved
    timing["shell.execute_reply"] = timing["iopub.status.idle"] = _now()
    cell.metadata["execution"] = timing
    for output in cell.outputs:
        if output.get("output_type") == "execute_result":
            output["execution_count"] = cell.execution_count
    if isinstance(error, _Timeout):
        raise CellTimeoutError.error_from_timeout_and_cell(
            "Cell execution timed out", timeout, cell
        )
    if error is not None and "raises-exception" not in cell.metadata.get("tags", []):
        content = next(
            (o for o in cell.outputs if o.get("output_type") == "error"),
            {"ename": type(error).__name__, "evalue": str(error), "traceback": []},
        )
        raise CellExecutionError.from_cell_and_msg(cell, content)


def _language_info() -> dict[str, Any]:
    """What ipykernel's kernel_info reply says of the language (nbclient copies it into the
    notebook's metadata; nbconvert reads it)."""
    major = sys.version_info[0]
    return {
        "codemirror_mode": {"name": "ipython", "version": major},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": f"ipython{major}",
        "version": sys.version.split()[0],
    }


def _raise_timeout(*_: Any) -> None:
    raise _Timeout


class InProcessEngine(Engine):
    """papermill engine: the cells run in this process's shell (see the module docstring)."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        if threading.current_thread() is not threading.main_thread():  # SIGALRM needs it
            raise RuntimeError(f"the {ENGINE_NAME} engine runs only in a process's main thread")
        shell = get_shell()
        # papermill has moved this process into the notebook's folder (its ``cwd``)
        kernel_state.reset(os.getcwd())
        nb_man.nb.metadata["language_info"] = _language_info()
        for index, cell in enumerate(nb_man.nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue  # as nbclient: nothing to run
            try:
                nb_man.cell_start(cell, index)
                _execute_cell(shell, cell, execution_timeout)
            except CellExecutionError as exc:
                nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index, exception=exc)
                break
            finally:
                nb_man.cell_complete(nb_man.nb.cells[index], cell_index=index)
        return nb_man.nb


papermill_engines.register(ENGINE_NAME, InProcessEngine)
