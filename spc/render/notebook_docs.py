"""Render the teaching notebooks (and the explorer, statically) to HTML a teacher can hand out.

Each notebook is executed with papermill (``interactive=False``, so charts are plain images and
the pages work offline with no widget scripts), then exported with nbconvert's HTMLExporter with
the code shown and the exercise answers (cells tagged ``answer``) collapsed in ``<details>``
blocks. Output: ``docs/html/<name>.html`` plus ``docs/html/index.html`` (under the current
folder; ``make docs`` runs it from the repository). The notebooks are the ones that ship with
the package (``spc._resources``).

    python -m spc.render.notebook_docs                 # all notebooks, default parameters
    python -m spc.render.notebook_docs --fast          # n_simulations=50, for a quick check

>>> from spc.render.notebook_docs import render_notebook          # doctest: +SKIP
>>> render_notebook(Path("notebooks/teaching/01_understanding_variation.ipynb"),
...                 Path("out"))                               # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spc._resources import resource_dir

__all__ = ["ANSWER_TAG", "collapse_answers", "main", "notebook_paths", "render_notebook"]

#: Cell tag marking an exercise answer (hidden in JupyterLab, collapsed in HTML).
ANSWER_TAG = "answer"


def notebook_paths(root: Path | None = None) -> list[Path]:
    """The teaching notebooks in course order, then the explorer, from ``root/notebooks``
    (default: the notebooks that ship with the package)."""
    if root is None:
        root = resource_dir("notebooks").parent
    teaching = sorted((root / "notebooks" / "teaching").glob("[0-9][0-9]_*.ipynb"))
    return [*teaching, root / "notebooks" / "explore.ipynb"]


def collapse_answers(nb: Any) -> Any:
    """Wrap every ``answer``-tagged markdown cell in a closed ``<details>`` block (in place);
    cells already written as ``<details>`` (the teaching notebooks') are left as they are.

    Code cells tagged ``answer`` get the ``jupyter.source_hidden`` flag honoured by nbconvert's
    lab template as collapsed input.
    """
    for cell in nb.cells:
        if ANSWER_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown" and not cell.source.lstrip().startswith("<details"):
            # blank lines around the body let markdown inside <details> still render
            cell.source = (
                f"<details><summary>Show the answer</summary>\n\n{cell.source}\n\n</details>"
            )
            cell.metadata.pop("jupyter", None)
    return nb


def _parameters_for(path: Path, fast: bool) -> dict[str, Any]:
    import papermill as pm

    names = set(pm.inspect_notebook(str(path)).keys())
    params: dict[str, Any] = {}
    if "interactive" in names:
        params["interactive"] = False
    if fast and "n_simulations" in names:
        params["n_simulations"] = 50
    return params


def render_notebook(path: Path, out_dir: Path, fast: bool = False) -> Path:
    """Execute ``path`` headless and write ``out_dir/<stem>.html``; return the HTML path."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f".{path.stem}.executed.ipynb"
    pm.execute_notebook(
        str(path),
        str(executed),
        parameters=_parameters_for(path, fast),
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
    )
    nb = collapse_answers(nbformat.read(executed, as_version=4))
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    target = out_dir / f"{path.stem}.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(target)  # atomic: a half-written page never looks complete
    executed.unlink(missing_ok=True)
    return target


def _title(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return path.stem.replace("_", " ")


def write_index(pages: Sequence[tuple[Path, Path]], out_dir: Path) -> Path:
    """``index.html`` linking every rendered notebook, titles taken from each notebook."""
    items = "\n".join(
        f'<li><a href="{html.escape(page.name)}">{html.escape(_title(src))}</a></li>'
        for src, page in pages
    )
    text = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>safety-spc teaching notebooks</title></head><body>"
        "<h1>safety-spc: measurement for improvement, a short course</h1>"
        "<p>Each notebook takes 20-40 minutes. All data are synthetic. Answers to the exercises "
        "are folded away: click <em>Show the answer</em>.</p>"
        f"<ol>\n{items}\n</ol></body></html>\n"
    )
    target = out_dir / "index.html"
    target.write_text(text, encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: execute the notebooks and export HTML into ``docs/html/``."""
    parser = argparse.ArgumentParser(
        prog="python -m spc.render.notebook_docs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, default=Path("docs") / "html", help="output folder (default docs/html)"
    )
    parser.add_argument("--fast", action="store_true", help="fewer simulations (n_simulations=50)")
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to render (default: teaching notebooks and explorer)",
    )
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or notebook_paths()
    pages, failed = [], []
    for path in paths:
        try:
            page = render_notebook(path, args.out, fast=args.fast)
        except Exception as exc:  # one broken notebook must not stop the others
            failed.append(path)
            print(f"FAILED {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        pages.append((path, page))
        print(f"wrote {page}")
    if pages:
        print(f"wrote {write_index(pages, args.out)}")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
