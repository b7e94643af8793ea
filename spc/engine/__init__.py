"""The SPC engine: a tidy frame in, a :class:`~spc.engine.result.QICResult` out.

No files, no matplotlib. ``pipeline.qic`` runs the steps (``prepare`` -> ``limits`` -> ``runs``
-> ``rules``); ``measure_chart.chart_measure`` joins it to the measures catalogue.
"""
