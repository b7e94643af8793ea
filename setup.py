"""Build hook: the wheel carries the repository's notebooks and example data.

The repository keeps ``notebooks/`` and ``data/example/`` at the top, where people look. An
installed package needs them inside it, so this hook copies them into the built package as
``spc/_bundled/<folder>`` when a wheel is built; nothing is committed twice, and
``spc._resources`` finds the bundled copy (or, in a clone or an editable install, the
repository's folders). Everything else about the package is in ``pyproject.toml``.
"""

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "generate.py")


def bundled_folders() -> tuple[str, ...]:
    """``BUNDLED`` of ``spc/_resources.py``, read without importing the package."""
    tree = ast.parse((ROOT / "spc" / "_resources.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BUNDLED" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("spc/_resources.py defines no BUNDLED")


class BuildWithBundle(build_py):
    """``build_py`` plus the bundled folders (not in an editable install, which reads the
    repository's own folders)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "spc" / "_bundled"
        for name in bundled_folders():
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / name, dest, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithBundle})
