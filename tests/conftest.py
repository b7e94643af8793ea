"""Shared test setup: a headless matplotlib backend and the example collaborative, loaded once.

Tests marked ``slow`` (notebook execution, rendering, browsers, building the wheel) are left
out of the inner loop ``pytest -m "not slow"``; ``make test`` runs everything.
"""

import matplotlib
import pandas as pd
import pytest

# Agg renders to memory; set before any test imports pyplot.
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def example_data() -> pd.DataFrame:
    """The synthetic example collaborative (``spc.load_example()``), shared read-only."""
    import spc

    return spc.load_example()
