"""The built wheel works outside the repository: example data, a rendered report, notebooks.

The wheel is built from a copy of the source tree (so the checkout is left untouched),
installed with ``pip install --no-deps --target``, and run from a folder outside the
repository with only that target on ``PYTHONPATH`` (dependencies come from this environment).
``spc.__file__`` is checked first, so a pass cannot come from the editable install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from spc.report import collaborative_summary, load_collaborative

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TEAM = "AVN-ELM"
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", ".hypothesis", "reports", "html", "_bundled",
)  # fmt: skip


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(a folder outside the repository, the environment that imports the installed wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp / "dist"), str(source)],
        cwd=tmp,
    )  # fmt: skip
    (wheel,) = (tmp / "dist").glob("safety_spc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "spc/data/measures.toml",
        "spc/_bundled/notebooks/team_report.ipynb",
        "spc/_bundled/notebooks/collaborative_overview.ipynb",
        "spc/_bundled/notebooks/explore.ipynb",
        "spc/_bundled/notebooks/teaching/01_understanding_variation.ipynb",
        "spc/_bundled/data/example/README.md",
        "spc/_bundled/data/example/manifest.csv",
        "spc/_bundled/data/example/messy/ward-monthly-messy.csv",
    ):
        assert shipped in names, f"the wheel lacks {shipped}"
    site = tmp / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
          str(wheel)], cwd=tmp)  # fmt: skip
    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SAFETY_SPC_EXAMPLE_DIR"}
    env["PYTHONPATH"] = str(site)
    where = _run([sys.executable, "-c", "import spc; print(spc.__file__)"], outside, env)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout
    return outside, env


def test_installed_wheel_loads_the_example(installed) -> None:
    outside, env = installed
    code = (
        "import spc; df = spc.load_example(); "
        "print(df['team'].nunique(), df.attrs['report'].ok, spc.measures().shape[0] > 10)"
    )
    assert _run([sys.executable, "-c", code], outside, env).stdout.split() == [
        "12",
        "True",
        "True",
    ]


@pytest.mark.parametrize(
    "teams, workers",
    [([TEAM], "1"), ([TEAM, "BRK-OAK"], "2")],
    ids=["one report on a kernel", "worker shells forked from the installed package"],
)
def test_installed_wheel_renders_team_reports(installed, tmp_path, teams, workers) -> None:
    outside, env = installed
    out = tmp_path / "reports"
    _run(
        [sys.executable, "-m", "spc.cli", "render", "--teams", *teams, "--no-overview",
         "--workers", workers, "--no-progress", "--out", str(out)],
        outside,
        env,
    )  # fmt: skip
    pages = sorted((out / "teams").glob("*.html"))
    assert len(pages) == len(teams)
    for page in pages:
        assert "Inpatient falls per 1,000 occupied bed days" in page.read_text(encoding="utf-8")
    # the installed package computes what the source tree computes
    expected = collaborative_summary(load_collaborative(None, teams=teams))
    assert (out / "summary.csv").read_text() == expected.to_csv(index=False)


def test_installed_wheel_copies_the_notebooks(installed) -> None:
    outside, env = installed
    _run([sys.executable, "-m", "spc.cli", "notebooks", "mine"], outside, env)
    copied = sorted(
        p.relative_to(outside / "mine").as_posix() for p in (outside / "mine").rglob("*.ipynb")
    )
    shipped = sorted(
        p.relative_to(REPO / "notebooks").as_posix() for p in (REPO / "notebooks").rglob("*.ipynb")
    )
    assert copied == shipped
    again = subprocess.run(
        [sys.executable, "-m", "spc.cli", "notebooks", "mine"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 1 and "--force" in again.stderr  # a fellow's copy is kept
