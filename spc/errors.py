"""Exceptions and warnings raised by safety-spc.

Every error a user can cause is an :class:`SPCError` (a ``ValueError``), whose message names the
argument or column, the offending row where there is one, and how to fix it. Every warning is an
:class:`SPCWarning`; its subclass says what kind of thing happened, so callers (the reports, the
explorer) filter warnings by class, never by the words of the message:

* :class:`TrialLimitsWarning`: a phase is short, so its limits are trial limits;
* :class:`IgnoredSettingWarning`: a setting the user chose was not applied (``freeze`` with
  phases, an exclusion matching no point, a change-log phase start too close to another);
* :class:`DataWarning`: something in the data deserves attention (counts over a zero
  denominator, gaps and small denominators found when loading).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SPCError(ValueError):
    """Bad arguments or data given to safety-spc."""


class SPCWarning(UserWarning):
    """Something in the data deserves attention but does not stop the calculation."""


class TrialLimitsWarning(SPCWarning):
    """A phase has too few points for settled limits: they are trial limits."""


class IgnoredSettingWarning(SPCWarning):
    """A setting was not applied. ``setting`` names it: ``"freeze"``, ``"exclude"`` or
    ``"phase_start"``."""

    def __init__(self, message: str, setting: str = "") -> None:
        super().__init__(message)
        self.setting = setting


class DataWarning(SPCWarning):
    """The data have something worth a look (gaps, small or zero denominators)."""


def did_you_mean(name: str, options: Iterable[str], cutoff: float = 0.6) -> str:
    """``" (did you mean 'x'?)"`` for the option closest to ``name``, or ``""`` if none is close.

    >>> did_you_mean("falls_per_1000_bd", ["falls_per_1000_obd", "harm_free_percent"])
    " (did you mean 'falls_per_1000_obd'?)"
    """
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""
