"""Imported first in a render worker (the fork server's first preload, or a spawned worker's
warm-up), before papermill, nbformat and jsonschema: it leaves out one slow optional import.

jsonschema imports ``rfc3987_syntax`` whenever it is installed (``jupyter-events``, which
JupyterLab needs, asks for it), and version 1.1 of that package compiles its grammar at import:
about 2 s of a core in every process that imports nbformat, for the ``iri`` format checks
that nbformat's schema never uses (python-jsonschema/jsonschema#1428). A worker marks the
module as absent, so jsonschema skips those checks as it does where the package is not
installed. Only in the render's own worker processes: a user's session is left alone.
"""

from __future__ import annotations

import sys

SKIPPED = "rfc3987_syntax"

if SKIPPED not in sys.modules:
    sys.modules[SKIPPED] = None  # type: ignore[assignment]  # import raises ImportError
