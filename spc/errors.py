"""Exceptions and warnings raised by safety-spc.

Every error a user can cause is an :class:`SPCError` (a ``ValueError``), whose message names the
argument or column, the offending row where there is one, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SPCError(ValueError):
    """Bad arguments or data given to safety-spc."""


class SPCWarning(UserWarning):
    """Something in the data deserves attention but does not stop the calculation."""


def did_you_mean(name: str, options: Iterable[str], cutoff: float = 0.6) -> str:
    """``" (did you mean 'x'?)"`` for the option closest to ``name``, or ``""`` if none is close.

    >>> did_you_mean("falls_per_1000_bd", ["falls_per_1000_obd", "harm_free_percent"])
    " (did you mean 'falls_per_1000_obd'?)"
    """
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""
