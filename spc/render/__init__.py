"""Batch rendering of parameterised report notebooks (papermill + nbconvert).

``spc.render.batch`` executes notebooks in parallel: in worker processes that run the cells
in their own shell (``spc.render.inprocess``), or on warm kernels (``spc.render.warm``) on a
Dask cluster or with one worker; ``spc.render.pages`` writes the HTML pages. ``spc.report``
decides what to render.
"""

import sys

# rfc3987-syntax, an optional jsonschema format checker that JupyterLab's dependencies
# install, compiles a grammar when imported: 2.6 s in every process that imports papermill or
# nbformat (the driver and each worker). Notebook validation never checks IRI formats, so
# jsonschema is kept from loading it in the processes the renderer starts.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
