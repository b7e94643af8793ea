"""The data layer: files in the template formats -> one validated, tidy long frame.

``templates`` (the column schemas), ``read`` (files -> raw tables), ``checks`` (header, cell,
ratio, duplicate and gap checks), ``problems`` (what the checks report), ``tidy`` (measures
from the rows, the change log placed; ``load``/``validate``), ``catalogue`` (the measures),
``chart_settings`` (each team's baseline, exclusions and target), ``examples`` (the synthetic
example collaborative). Nothing here computes a chart.
"""
