"""Files as people save them (issue 12): every case is a file made here, in tmp_path.

Each test names the case it covers: formulas without calculated values, encodings (UTF-16,
binary, neither UTF-8 nor Windows-1252, mixed), quoted line breaks and stray spaces in names,
header-only templates, semicolons, data on a second sheet, the same file twice, folders.
Nothing may end in a traceback; every message names the file and, where there is one, the
sheet, row and column.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import spc
from spc.cli import main
from spc.data.problems import DataValidationError

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
HEADER = ["trust", "ward", "month", "occupied_bed_days", "falls_total", "falls_low"]


def rows_text(*rows: list[object], header: list[str] = HEADER, sep: str = ",") -> str:
    lines = [sep.join(header)] + [sep.join(str(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def month(i: int) -> str:
    return f"01/{i + 4:02d}/2024"


def validate_cli(capsys, *paths: Path) -> tuple[int, str]:
    """``safety-spc validate`` in process: exit status and everything printed."""
    status = main(["validate", *map(str, paths)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return status, out.out + out.err


# ----------------------------------------------------------------------- Excel formulas


def formula_workbook(path: Path, sheet: str = "data") -> Path:
    """A workbook whose falls_total cells are formulas with no calculated value, as
    openpyxl (and other scripts) write them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(HEADER)
    for i in range(3):
        ws.append(["T", "W1", month(i), 700, f"=F{i + 2}+2", 1])
    wb.save(path)
    return path


def test_formulas_without_calculated_values_are_an_error_naming_sheet_row_column(
    tmp_path, capsys
) -> None:
    path = formula_workbook(tmp_path / "falls.xlsx")
    report = spc.validate(path)
    (error,) = report.errors
    assert (error.file, error.sheet, error.row, error.column) == (
        "falls.xlsx",
        "data",
        2,
        "falls_total",
    )
    assert "no calculated value" in error.message and "rows 2, 3, 4" in error.message
    assert "open the file in Excel" in error.fix
    status, printed = validate_cli(capsys, path)
    assert status == 1
    assert "falls.xlsx, sheet 'data', row 2, column 'falls_total'" in printed
    with pytest.raises(DataValidationError):  # never loaded as blanks
        spc.load(path)


def test_formulas_with_calculated_values_are_read(tmp_path) -> None:
    path = formula_workbook(tmp_path / "saved.xlsx")
    # what Excel does on saving: store the value beside the formula
    with zipfile.ZipFile(path) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(rb"(<f>F\d\+2</f>)<v\s*/?>(</v>)?", rb"\1<v>3</v>", members[sheet])
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    frame = spc.load(path, warn=False)
    falls = frame[frame["measure"] == "falls_per_1000_obd"]
    assert falls["numerator"].tolist() == [3.0, 3.0, 3.0]


# ---------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (
            "utf16.csv",
            rows_text(["T", "Élodie Ward", month(0), 700, 3, 1]).encode("utf-16"),
            "the file is UTF-16 text",
        ),
        (
            "utf16-no-bom.csv",
            rows_text(["T", "Ward 1", month(0), 700, 3, 1]).encode("utf-16-le"),
            "looks like UTF-16 text",
        ),
        ("garbage.csv", bytes(range(256)) * 40, "binary data"),
        ("noise.csv", bytes(range(1, 32)) * 400, "binary data"),
        (
            "neither.csv",
            rows_text(header=HEADER).encode() + b"T,W\x81\x8d,01/04/2024,700,3,1\n",
            "line 2 holds byte 0x81, which is neither UTF-8 nor Windows-1252",
        ),
        ("workbook.csv", b"PK\x03\x04" + bytes(100), "an Excel workbook (.xlsx)"),
    ],
)
def test_unreadable_bytes_are_one_clear_error(tmp_path, capsys, name, payload, message) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    status, printed = validate_cli(capsys, path)
    assert status == 1 and message in printed
    (error,) = spc.validate(path).errors
    assert error.file == name and "Fix:" in str(error)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_windows_1252_file_is_read_without_a_warning(tmp_path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes(rows_text(["T", "Élodie", month(0), 700, 3, 1]).encode("cp1252"))
    report = spc.validate(path)
    assert report.ok and not [p for p in report.warnings if "encoding" in p.message]
    assert set(spc.load(path, warn=False)["team"]) == {"Élodie"}


def test_mixed_utf8_and_latin1_rows_are_read_right_and_named(tmp_path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        rows_text(["T", "Élodie", month(0), 700, 3, 1]).encode("utf-8")
        + f"T,Élodie,{month(1)},700,3,1\n".encode("cp1252")
        + f"T,Élodie,{month(2)},700,3,1\n".encode()
    )
    report = spc.validate(path)
    (warning,) = [p for p in report.warnings if "encodings" in p.message]
    assert (warning.file, warning.row) == ("mixed.csv", 3)
    assert "rows 3)" in warning.message
    frame = spc.load(path, warn=False)
    assert set(frame["team"]) == {"Élodie"}  # not 'Ã‰lodie', and one team, not two


# ------------------------------------------------------------------------ names in cells


def test_quoted_line_break_in_a_ward_name_is_a_warning_not_a_silent_change(tmp_path) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(
        rows_text(["T", '"Ward\nA"', month(0), 700, 3, 1], ["T", "Ward A", month(1), 700, 3, 1])
    )
    report = spc.validate(path)
    (warning,) = [p for p in report.warnings if "line break" in p.message]
    assert (warning.file, warning.row, warning.column) == ("wm.csv", 2, "ward")
    assert "read as 'Ward A'" in warning.message
    frame = spc.load(path, warn=False)
    assert set(frame["team"]) == {"Ward A"}  # not 'WardA'
    assert sorted(frame.loc[frame["measure"] == "falls_per_1000_obd", "row"]) == [2, 3]


def test_trailing_space_in_a_team_name_is_named_when_two_spellings_merge(tmp_path) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(
        rows_text(["T", "Ward b", month(0), 700, 3, 1], ["T", "Ward b ", month(1), 700, 3, 1])
    )
    report = spc.validate(path)
    (warning,) = [p for p in report.warnings if "spaces" in p.message]
    assert (warning.row, warning.column) == (3, "ward")
    assert "'Ward b '" in warning.message and "same ward as the rows spelt 'Ward b'" in (
        warning.message
    )
    assert set(spc.load(path, warn=False)["team"]) == {"Ward b"}


# --------------------------------------------------------------------------- empty data


def test_header_only_template_says_there_are_no_data_rows(tmp_path, capsys) -> None:
    from spc.data.template_files import write_template

    path = write_template("ward-monthly", tmp_path / "ward-monthly.csv")  # the EXAMPLE row
    status, printed = validate_cli(capsys, path)
    assert status == 0
    assert "0 error(s), 1 warning(s)" in printed
    assert "no data rows: the file has the column names but no data (only the template's " in (
        printed
    )
    header_only = tmp_path / "header-only.csv"
    header_only.write_text(rows_text())
    (warning,) = [p for p in spc.validate(header_only).warnings if "no data" in p.message]
    assert warning.file == "header-only.csv"


def test_a_team_whose_figures_are_all_blank_is_named(tmp_path) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(
        rows_text(
            ["T", "W1", month(0), 700, 3, 1],
            ["T", "EMPTY", month(0), 700, "", ""],
            ["T", "EMPTY", month(1), 700, "", ""],
        )
    )
    report = spc.validate(path)
    (warning,) = [p for p in report.warnings if "no figures" in p.message]
    assert "'EMPTY'" in warning.message and (warning.row, warning.file) == (3, "wm.csv")


# ------------------------------------------------------------------ what was found instead


def test_semicolon_delimited_file_says_so(tmp_path, capsys) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(rows_text(["T", "W1", month(0), 700, 3, 1], sep=";"))
    status, printed = validate_cli(capsys, path)
    assert status == 1
    assert "separated by semicolons (;), not commas" in printed
    assert "ward-monthly template" in printed and "cannot tell which template" not in printed


def test_data_on_a_second_sheet_names_the_sheets(tmp_path, capsys) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["These are our notes"])
    data = wb.create_sheet("Falls 2024")
    data.append(HEADER)
    data.append(["T", "W1", month(0), 700, 3, 1])
    path = tmp_path / "falls.xlsx"
    wb.save(path)
    status, printed = validate_cli(capsys, path)
    assert status == 1
    assert "sheet 'Notes', the sheet read, has no template column names" in printed
    assert "sheet 'Falls 2024' has the columns of the ward-monthly template" in printed
    assert "rename sheet 'Falls 2024' to 'data'" in printed


def test_data_behind_an_empty_first_sheet(tmp_path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    data = wb.create_sheet("Falls")
    data.append(HEADER)
    data.append(["T", "W1", month(0), 700, 3, 1])
    path = tmp_path / "falls.xlsx"
    wb.save(path)
    (error,) = spc.validate(path).errors
    assert error.message == (
        "sheet 'Sheet1', the sheet read, is empty; the workbook's other sheet(s) 'Falls' hold "
        "something"
    )
    assert "rename the sheet with the data to 'data'" in error.fix


def test_unknown_columns_are_listed(tmp_path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("name,description\na,b\n")
    (error,) = spc.validate(path).errors
    assert "cannot tell which template" in error.message and "'name', 'description'" in (
        error.message
    )


def test_the_same_file_given_twice_is_read_once_and_said(tmp_path, capsys) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(rows_text(["T", "W1", month(0), 700, 3, 1]))
    status, printed = validate_cli(capsys, path, path)
    assert status == 0 and "the same file is given twice" in printed
    assert "duplicate row" not in printed
    copy = tmp_path / "wm (copy).csv"
    shutil.copy(path, copy)
    report = spc.validate([path, copy])
    (error,) = report.errors
    assert error.file == "wm (copy).csv" and "same content as wm.csv" in error.message


# ------------------------------------------------------------------------------ folders


def example_copy(folder: Path) -> Path:
    """The example folder as it ships: data files plus manifest.csv, generate.py, README.md
    and the messy/ sub-folder."""
    target = folder / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def test_validate_a_folder_reads_its_template_files_and_notes_the_rest(tmp_path, capsys) -> None:
    folder = example_copy(tmp_path)
    status, printed = validate_cli(capsys, folder)
    assert status == 0
    assert "Checked 7 file(s): 0 error(s)" in printed
    for skipped in ("generate.py", "README.md", "manifest.csv", "messy/"):
        assert re.search(rf"NOTE +{re.escape(skipped)}: skipped", printed), skipped
    frame = spc.load(folder, warn=False)
    assert frame["team"].nunique() == 12


def test_the_explorer_loads_a_folder(tmp_path) -> None:
    from spc.interactive.state import load_data

    frame = load_data(str(example_copy(tmp_path)))
    assert frame["team"].nunique() == 12


def test_a_data_file_named_among_others_that_follows_no_template_is_an_error(tmp_path) -> None:
    folder = example_copy(tmp_path)
    report = spc.validate(sorted(folder.glob("*.csv")))
    assert [e.file for e in report.errors] == ["manifest.csv"]


@pytest.mark.parametrize("name", ["x.csv", "data"])
def test_a_folder_where_a_file_is_expected(tmp_path, capsys, name) -> None:
    folder = tmp_path / name
    folder.mkdir()
    status, printed = validate_cli(capsys, folder)
    assert status == 1 and f"{name}/: the folder holds no data files" in printed
    (folder / "notes.csv").write_text("name,description\na,b\n")
    status, printed = validate_cli(capsys, folder)
    assert status == 1 and "none of the data files in the folder follows a template" in printed


def test_measures_option_that_is_a_folder(tmp_path, capsys) -> None:
    path = tmp_path / "wm.csv"
    path.write_text(rows_text(["T", "W1", month(0), 700, 3, 1]))
    assert main(["validate", str(path), "--measures", str(tmp_path)]) == 1
    assert "is a folder, not a TOML file" in capsys.readouterr().err


# ------------------------------------------------------------------ no traceback, ever


def test_an_internal_error_is_one_line_and_a_log(tmp_path, capsys, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("spc.data.tidy.validate", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main(["validate", "anything.csv"]) == 70
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "internal error (ZeroDivisionError: division by zero)" in err
    (log,) = tmp_path.glob("safety-spc-error-*.log")
    assert str(log) in err and "Traceback" in log.read_text()


def test_a_system_error_is_one_line_in_the_systems_words(tmp_path, capsys, monkeypatch) -> None:
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "/reports/index.html")

    monkeypatch.setattr("spc.data.tidy.validate", disk_full)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main(["validate", "anything.csv"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("safety-spc validate: No space left on device (/reports/index.html)")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_ctrl_c_in_validate_is_one_line_and_130(capsys, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("spc.data.tidy.validate", interrupted)
    assert main(["validate", "anything.csv"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


@pytest.mark.slow
def test_console_script_prints_no_traceback_for_hostile_files(tmp_path) -> None:
    """The real command on every kind of file at once: exit 1, messages, no traceback."""
    (tmp_path / "utf16.csv").write_bytes(
        rows_text(["T", "Élodie", month(0), 700, 3, 1]).encode("utf-16")
    )
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "folder.csv").mkdir()
    formula_workbook(tmp_path / "formulas.xlsx")
    (tmp_path / "semi.csv").write_text(rows_text(["T", "W", month(0), 700, 3, 1], sep=";"))
    run = subprocess.run(
        [sys.executable, "-m", "spc.cli", "validate", *sorted(map(str, tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    for text in ("UTF-16", "binary data", "no data files", "no calculated value", "semicolons"):
        assert text in run.stdout, text


def test_xlsx_problems_name_the_sheet(tmp_path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "data"
    wb.active.append(HEADER)
    wb.active.append(["T", "W1", month(0), 700, "n/a", 1])
    path = tmp_path / "wm.xlsx"
    wb.save(path)
    (error,) = spc.validate(path).errors
    assert str(error).startswith("wm.xlsx, sheet 'data', row 2, column 'falls_total': not a")
    problems = spc.validate(path).to_frame()
    assert problems.loc[problems["severity"] == "error", "sheet"].tolist() == ["data"]


def test_frames_are_identical_whichever_way_a_file_is_read(tmp_path) -> None:
    """The pandas fast path and the csv-module path (a ragged file) agree cell for cell."""
    rows = [["T", f"W{i % 3}", month(i // 3), 700 + i, i % 4, 1] for i in range(24)]
    fast = tmp_path / "fast.csv"
    fast.write_text(rows_text(*rows))
    ragged = tmp_path / "ragged.csv"
    lines = rows_text(*rows).splitlines()
    lines[5] += ","  # a row longer than the header: pandas gives up, the csv module reads it
    ragged.write_text("\n".join(lines) + "\n")
    a = spc.load(fast, warn=False).drop(columns="file")
    b = spc.load(ragged, warn=False).drop(columns="file")
    pd.testing.assert_frame_equal(a, b)
