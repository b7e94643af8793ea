"""Imported by the fork server that a render's workers are forked from (``spc.render.workers``):
everything a worker needs before its first report, done once instead of once per worker.

Importing the package first keeps jsonschema's slow optional import out (``spc.render``).
Then papermill, nbconvert, pandas, matplotlib and the report modules are imported, the HTML
exporter is built (its templates compiled: 0.6 s) and the IPython shell that runs the cells
is made with its fresh state recorded. A forked worker inherits all of it. Should any of
it fail here, nothing is lost: each worker's warm-up does it again and reports the error.
"""

from __future__ import annotations

import contextlib

with contextlib.suppress(Exception):
    from spc.render.inprocess import get_shell
    from spc.render.pages import _exporter

    _exporter()
    get_shell()
