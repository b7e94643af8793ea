"""Exceptions and warnings raised by safety-spc.

Every error a user can cause is an :class:`SPCError` (a ``ValueError``), whose message names the
argument or column, the offending row where there is one, and how to fix it.
"""

from __future__ import annotations


class SPCError(ValueError):
    """Bad arguments or data given to safety-spc."""


class SPCWarning(UserWarning):
    """Something in the data deserves attention but does not stop the calculation."""
