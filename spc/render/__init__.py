"""Batch rendering of parameterised report notebooks (papermill + nbconvert).

``spc.render.batch`` executes notebooks in parallel on warm kernels (``spc.render.warm``)
and ``spc.render.pages`` writes the HTML pages. ``spc.report`` decides what to render.
"""
