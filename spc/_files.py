"""Writing files: never half-written (:func:`write_atomic`), and CSV that is safe to open in a
spreadsheet (:func:`csv_text`)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    An interrupted run therefore never leaves a half-written file that looks complete; the old
    file, if any, stays as it was until the rename. Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ------------------------------------------------------------- CSV for spreadsheets (OWASP)

#: A text cell starting with one of these is read by Excel, LibreOffice and Google Sheets as a
#: formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``, tab or carriage return before
#: one): OWASP's CSV injection guidance is to prefix such cells with an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")


def neutralise(value: object) -> object:
    """``value`` safe to open in a spreadsheet: text that would be read as a formula gets a
    leading apostrophe (shown by no spreadsheet); numbers, and text that is a plain number
    such as ``"-1.5"``, stay as they are.

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("-1.5"), neutralise(-1.5)
    ('\\'=HYPERLINK("http://x")', '-1.5', -1.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def unguard(value: object) -> object:
    """Undo :func:`neutralise` (reading back a CSV this toolkit wrote).

    >>> unguard("'=1+1"), unguard("'quoted")
    ('=1+1', "'quoted")
    """
    return _GUARD.sub("", value) if isinstance(value, str) else value


def csv_text(frame: pd.DataFrame, **kwargs: Any) -> str:
    """``frame.to_csv(index=False)`` with every text cell (and column name) neutralised.

    Every CSV the toolkit writes goes through here, so a team named ``=HYPERLINK(...)`` never
    becomes a live formula in a spreadsheet; numeric columns are written unchanged. Lines end
    in CR LF (RFC 4180, as Excel writes them), so a cell holding a line break or a carriage
    return is quoted and stays one cell.

    >>> import pandas as pd
    >>> csv_text(pd.DataFrame({"team": ["=1+1", "W1"], "value": [-1.5, 2.0]}))
    "team,value\\r\\n'=1+1,-1.5\\r\\nW1,2.0\\r\\n"
    """
    # pandas is imported here, not with the module: a render worker writes pages with this
    # module and never needs pandas
    from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

    safe = frame.copy()
    for column in safe.columns:
        if not (is_numeric_dtype(safe[column]) or is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\r\n", **kwargs)


def read_csv_text(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A CSV this toolkit wrote, every cell as text, with :func:`neutralise` undone."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [unguard(c) for c in frame.columns]
    return frame.map(unguard)
