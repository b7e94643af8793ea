"""``safety-spc notebooks DIR``: copy the notebooks that ship with safety-spc to a folder of
your own, to open in JupyterLab (the team report, the collaborative overview, the explorer and
the teaching course). They read the example collaborative, or your files, through the package,
so the copies need nothing else beside them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from spc._resources import resource_dir

__all__ = ["copy_notebooks", "register"]


def notebook_files() -> list[Path]:
    """Every shipped notebook, as a path relative to the notebooks folder, in a stable order."""
    root = resource_dir("notebooks")
    return sorted(
        p.relative_to(root) for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def copy_notebooks(folder: str | Path, overwrite: bool = False) -> list[Path]:
    """Copy the shipped notebooks into ``folder`` (kept in their subfolders, e.g.
    ``teaching/``); return the paths written. Existing files are left alone unless
    ``overwrite``: a fellow's edited copy is never replaced by accident."""
    root = resource_dir("notebooks")
    target = Path(folder)
    existing = [rel for rel in notebook_files() if (target / rel).exists()]
    if existing and not overwrite:
        names = ", ".join(str(p) for p in existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise FileExistsError(
            f"{target} already has {names}; choose another folder or pass --force to replace them"
        )
    written = []
    for rel in notebook_files():
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest)
        written.append(dest)
    return written


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety-spc notebooks`` to the command line."""
    p = subparsers.add_parser(
        "notebooks",
        help="copy the notebooks (reports, explorer, teaching course) to a folder",
        description="Copy the notebooks that ship with safety-spc into DIR, to open with "
        "JupyterLab (jupyter lab DIR). Nothing is overwritten without --force.",
    )
    p.add_argument("folder", metavar="DIR", help="folder to copy the notebooks into")
    p.add_argument("--force", action="store_true", help="replace notebooks already in DIR")
    p.set_defaults(func=_cli_notebooks)


def _cli_notebooks(args: argparse.Namespace) -> int:
    try:
        written = copy_notebooks(args.folder, overwrite=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"Open them with: jupyter lab {args.folder}")
    return 0
