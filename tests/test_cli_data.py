"""CLI: safety-spc template / validate / measures, including bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from spc.cli import main
from spc.data.template_files import template_csv, template_workbook

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
MESSY = EXAMPLE / "messy" / "ward-monthly-messy.csv"


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_template_list(capsys):
    assert main(["template", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("ward-monthly", "safety-thermometer", "events", "changes"):
        assert name in out


def test_template_writes_xlsx_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "ward-monthly"]) == 0
    assert (tmp_path / "ward-monthly.xlsx").read_bytes() == template_workbook("ward-monthly")
    assert "wrote ward-monthly.xlsx" in capsys.readouterr().out
    wb = openpyxl.load_workbook(tmp_path / "ward-monthly.xlsx")
    assert wb.sheetnames == ["README", "data"]


def test_template_csv_to_path(tmp_path):
    out = tmp_path / "my-events.csv"
    assert main(["template", "events", "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text() == template_csv("events")


def test_template_format_from_suffix(tmp_path):
    out = tmp_path / "changes.csv"
    assert main(["template", "changes", "-o", str(out)]) == 0
    assert out.read_text().startswith("team,date,change,cycle")


def test_template_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "x.csv"
    out.write_text("my precious data\n")
    assert main(["template", "events", "-o", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "my precious data\n"
    assert main(["template", "events", "-o", str(out), "--force"]) == 0
    assert out.read_text() == template_csv("events")


def test_template_unknown_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "ward-montly"]) == 2
    err = capsys.readouterr().err
    assert "unknown template 'ward-montly' (did you mean 'ward-monthly'?)" in err
    assert list(tmp_path.iterdir()) == []


def test_template_all_regenerates_the_folder(tmp_path):
    assert main(["template", "--all", "-o", str(tmp_path)]) == 0
    repo = EXAMPLE.parent.parent / "templates"
    made = _listing(tmp_path)
    assert len(made) == 8
    for name, payload in made.items():
        assert (repo / name).read_bytes() == payload


def test_validate_clean_example_exits_zero(capsys):
    files = [
        str(EXAMPLE / f)
        for f in (
            "ward-monthly-avonmere.csv",
            "ward-monthly-cresthaven.xlsx",
            "events.csv",
            "safety-thermometer.csv",
        )
    ]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Checked 4 file(s): 0 error(s)")
    assert "WARNING ward-monthly-avonmere.csv, column 'month': gap: ward 'AVN-OAK'" in out


def test_validate_bad_file_exits_nonzero_names_file_row_column_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "in" / "messy.csv"
    bad.parent.mkdir()
    shutil.copy(MESSY, bad)
    before = _listing(tmp_path)
    cwd_before = sorted(os.listdir())
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "11 error(s)" in out
    assert "ERROR   messy.csv, row 4, column 'falls_low': negative count (-1)" in out
    assert (
        "ERROR   messy.csv, row 1, column 'fals_total': unknown column 'fals_total' "
        "(did you mean the column 'falls_total'?)"
    ) in out
    assert "messy.csv, row 9, column 'month': ambiguous date '01/12/21'" in out
    assert "Fix: " in out and "Nothing was loaded" in out
    assert _listing(tmp_path) == before  # nothing written or changed
    assert sorted(os.listdir()) == cwd_before


def test_validate_month_first_option(tmp_path, capsys):
    f = tmp_path / "us.csv"
    f.write_text("ward,month,occupied_bed_days,falls_total\nW1,04/13/2024,700,3\n")
    assert main(["validate", str(f)]) == 1
    assert "not a valid day-first" in capsys.readouterr().out
    assert main(["validate", "--month-first", str(f)]) == 0


def test_validate_missing_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv: file not found" in capsys.readouterr().out


def test_validate_bad_measures_file(tmp_path, capsys):
    m = tmp_path / "m.toml"
    m.write_text('[falls_per_1000_obd]\nchart = "q"\n')
    assert main(["validate", "--measures", str(m), str(MESSY)]) == 1
    err = capsys.readouterr().err
    assert "m.toml, entry 'falls_per_1000_obd', field 'chart'" in err


def test_measures_command(capsys):
    assert main(["measures", "--topic", "vte"]) == 0
    out = capsys.readouterr().out
    assert "vte_risk_assessment_percent" in out and "falls_per_1000_obd" not in out


@pytest.mark.slow
def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).parent / "safety-spc"
    proc = subprocess.run(
        [str(exe), "validate", str(MESSY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "ward-monthly-messy.csv, row 3, column 'occupied_bed_days': not a number" in proc.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_closed_pipe_is_not_a_traceback(tmp_path):
    """``safety-spc validate ... | head -1``: the reader leaving early is not an error of ours."""
    # Enough problems to overflow the pipe buffer, so the write after head exits really fails.
    header, first_row = MESSY.read_text().splitlines()[:2]
    cells = first_row.split(",")
    rows = []
    for i in range(3000):
        cells[2] = f"01/{i % 12 + 1:02d}/{1900 + i // 12}"
        cells[3] = "n/a"
        rows.append(",".join(cells))
    big = tmp_path / "many-problems.csv"
    big.write_text("\n".join([header, *rows]) + "\n")
    exe = Path(sys.executable).parent / "safety-spc"
    proc = subprocess.run(
        f'"{exe}" validate "{big}" | head -1',
        shell=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.stdout.startswith("Checked 1 file(s): 3001 error(s)")  # + the misspelt column
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_notebooks_command_copies_every_notebook_and_keeps_existing_copies(tmp_path, capsys):
    repo_notebooks = EXAMPLE.parent.parent / "notebooks"
    assert main(["notebooks", str(tmp_path / "nb")]) == 0
    copied = sorted(p.relative_to(tmp_path / "nb") for p in (tmp_path / "nb").rglob("*.ipynb"))
    assert copied == sorted(p.relative_to(repo_notebooks) for p in repo_notebooks.rglob("*.ipynb"))
    assert "jupyter lab" in capsys.readouterr().out
    (tmp_path / "nb" / "team_report.ipynb").write_text("{}")
    assert main(["notebooks", str(tmp_path / "nb")]) == 1
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "nb" / "team_report.ipynb").read_text() == "{}"
    assert main(["notebooks", str(tmp_path / "nb"), "--force"]) == 0
    assert (tmp_path / "nb" / "team_report.ipynb").read_bytes() == (
        repo_notebooks / "team_report.ipynb"
    ).read_bytes()
