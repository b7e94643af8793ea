"""Shared test setup: a non-interactive matplotlib backend, so plot tests run headless."""

import matplotlib

# Agg renders to memory; set before any test imports pyplot.
matplotlib.use("Agg")
