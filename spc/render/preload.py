"""Imported by the fork server that a render's workers are forked from (``spc.render.workers``):
everything a worker needs before its first report, done once instead of once per worker.

Importing the package first keeps jsonschema's slow optional import out (``spc.render``).
Then papermill, nbconvert, pandas, matplotlib and the report modules are imported, the HTML
exporter is built (its templates compiled: 0.6 s) and the IPython shell that runs the cells
is made with its fresh state recorded. A forked worker inherits all of it. Should any of
it fail here, nothing is lost: each worker's warm-up does it again and reports the error.

When the driver is gone the fork server ends at once: tearing down what it imported, and
IPython's own exit work, took 0.1 to 0.3 s, and a caller reading the driver's output (a pipe,
``make``, a benchmark) waited for the server too, which holds that output open. It has nothing
to save or flush; its workers end on their own (they watch the driver).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys

#: True in the fork server itself (``python -c "from multiprocessing.forkserver import main;
#: ..."``), the only process meant to import this module.
IN_FORK_SERVER = sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules

# No cycle collection while importing: it found nothing to free and took a sixth of the time.
# What is loaded is then frozen (never scanned again), as Python advises before forking: a
# worker's collections do not touch the pages it shares with the server. The server itself
# collects nothing more; each worker turns collection back on (``workers._worker_init``).
gc.disable()
with contextlib.suppress(Exception):
    from spc.render.inprocess import get_shell
    from spc.render.pages import _exporter

    _exporter()
    get_shell()
gc.freeze()
if not IN_FORK_SERVER:
    gc.enable()


def _end_now() -> None:
    os._exit(0)


if IN_FORK_SERVER:  # atexit runs the latest registration first, so nothing after this runs
    atexit.register(_end_now)
