"""Loading and validation: one test per validation message, round trips, CSV == Excel."""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import spc
from spc.data.problems import DataValidationError, Problem
from spc.data.template_files import template_csv, write_template
from spc.data.tidy import LONG_COLUMNS
from spc.errors import SPCError, SPCWarning

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"

BASE = {
    "trust": "T", "ward": "W1", "month": "01/04/2024", "occupied_bed_days": "700",
    "admissions": "100", "falls_total": "5", "falls_no_harm": "3", "falls_low": "1",
    "falls_moderate": "1", "falls_severe": "0", "falls_death": "0",
    "enhanced_obs_hours": "80.5", "pu_new_cat2": "1", "pu_new_cat3": "0", "pu_new_cat4": "0",
    "pu_new_unstageable": "0", "pu_new_dti": "0", "pu_present_on_admission": "1",
    "masd_reported": "0", "vte_ra_num": "90", "vte_ra_den": "95", "prophylaxis_num": "18",
    "prophylaxis_den": "20", "hat_total": "1", "major_bleeds": "0",
}  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def ward_monthly(
    tmp_path: Path,
    *changes: dict[str, object],
    name: str = "wm.csv",
    header: list[str] | None = None,
) -> Path:
    """A ward-monthly CSV: one row per dict of changes applied to BASE (month i+1 by default)."""
    header = header or list(BASE)
    rows = []
    for i, ch in enumerate(changes or ({},)):
        month = pd.Timestamp("2024-04-01") + pd.DateOffset(months=i)
        row = dict(BASE, month=f"{month:%d/%m/%Y}")
        row.update(ch)
        rows.append([row.get(h, row.get(h.strip().lower(), "")) for h in header])
    return write_csv(tmp_path / name, header, rows)


def only_error(path: Path | list[Path], match: str, **kw: object) -> Problem:
    """Load, expect DataValidationError matching ``match``; return the single matching problem."""
    with pytest.raises(DataValidationError, match=match) as info:
        spc.load(path, warn=False, **kw)
    hits = [p for p in info.value.problems if re.search(match, p.message)]
    assert len(hits) == 1, info.value.problems
    return hits[0]


# --------------------------------------------------------------------------- every message


def test_missing_required_column(tmp_path):
    header = [h for h in BASE if h != "occupied_bed_days"]
    p = only_error(
        ward_monthly(tmp_path, header=header), r"missing required column 'occupied_bed_days'"
    )
    assert (p.file, p.row) == ("wm.csv", 1)
    assert "add a column headed 'occupied_bed_days'" in p.fix


def test_misspelled_column_suggests_nearest_name(tmp_path):
    header = ["fals_total" if h == "falls_total" else h for h in BASE]
    rows = [[BASE.get("falls_total" if h == "fals_total" else h) for h in header]]
    p = only_error(
        write_csv(tmp_path / "wm.csv", header, rows),
        r"unknown column 'fals_total' \(did you mean the column 'falls_total'\?\)",
    )
    assert (p.row, p.column) == (1, "fals_total")
    assert "rename the header to 'falls_total'" in p.fix


def test_misspelled_required_column_is_one_error_not_two(tmp_path):
    header = ["occupied_bed_day" if h == "occupied_bed_days" else h for h in BASE]
    rows = [[BASE.get(h + "s" if h == "occupied_bed_day" else h) for h in header]]
    with pytest.raises(
        DataValidationError, match=r"did you mean the required column 'occupied_bed_days'"
    ) as info:
        spc.load(write_csv(tmp_path / "wm.csv", header, rows))
    assert not [p for p in info.value.problems if "missing required" in p.message]


def test_header_names_are_case_and_space_insensitive(tmp_path):
    header = [h.replace("_", " ").title() for h in BASE]
    df = spc.load(write_csv(tmp_path / "wm.csv", header, [list(BASE.values())]), warn=False)
    assert df.loc[df.measure == "falls_per_1000_obd", "numerator"].item() == 5


def test_non_numeric_cell(tmp_path):
    p = only_error(ward_monthly(tmp_path, {}, {"falls_total": "n/a"}), r"not a number: 'n/a'")
    assert (p.file, p.row, p.column) == ("wm.csv", 3, "falls_total")
    assert "leave the cell blank" in p.fix


def test_negative_count(tmp_path):
    p = only_error(ward_monthly(tmp_path, {"falls_low": "-2"}), r"negative count \(-2\)")
    assert (p.row, p.column) == (2, "falls_low")


def test_negative_amount(tmp_path):
    p = only_error(
        ward_monthly(tmp_path, {"enhanced_obs_hours": "-3.5"}), r"negative value \(-3.5\)"
    )
    assert p.column == "enhanced_obs_hours"


def test_count_must_be_whole(tmp_path):
    p = only_error(ward_monthly(tmp_path, {"falls_total": "2.5"}), r"not a whole number \(2.5\)")
    assert (p.row, p.column) == (2, "falls_total")


def test_numerator_more_than_denominator_template_pair(tmp_path):
    p = only_error(
        ward_monthly(tmp_path, {"vte_ra_num": "120", "vte_ra_den": "95"}),
        r"vte_ra_num \(120\) is more than vte_ra_den \(95\)",
    )
    assert (p.row, p.column) == (2, "vte_ra_num")
    assert p.message.startswith("numerator larger than denominator")


def test_numerator_more_than_denominator_summed_columns(tmp_path):
    # harmful falls (low + moderate + severe + death) cannot exceed all falls
    p = only_error(
        ward_monthly(tmp_path, {"falls_total": "1", "falls_low": "2"}),
        r"falls_low \+ falls_moderate \+ falls_severe \+ falls_death \(3\) is more "
        r"than falls_total \(1\)",
    )
    assert p.column == "falls_low"


def test_numerator_more_than_surveyed(tmp_path):
    path = write_csv(
        tmp_path / "st.csv",
        ["ward", "month", "patients_surveyed", "harm_free"],
        [["W1", "2024-04-01", "20", "21"]],
    )
    p = only_error(path, r"harm_free \(21\) is more than patients_surveyed \(20\)")
    assert (p.row, p.column) == (2, "harm_free")


def test_zero_denominator(tmp_path):
    p = only_error(
        ward_monthly(tmp_path, {"occupied_bed_days": "0"}),
        r"zero denominator: occupied_bed_days is 0",
    )
    assert (p.row, p.column) == (2, "occupied_bed_days")
    assert "leave the cell blank" in p.fix


def test_zero_falls_is_not_a_zero_denominator_error(tmp_path):
    zero = {k: "0" for k in ("falls_total", "falls_no_harm", "falls_low", "falls_moderate")}
    df = spc.load(ward_monthly(tmp_path, zero), warn=False)
    inj = df[df.measure == "falls_injury_percent"]
    assert inj["denominator"].item() == 0 and np.isnan(inj["value"].item())


def test_duplicate_team_month_rows(tmp_path):
    path = ward_monthly(tmp_path, {"month": "01/04/2024"}, {"month": "2024-04-15"})
    p = only_error(path, r"duplicate row for ward 'W1', month 2024-04 \(also row 2\)")
    assert (p.row, p.column) == (3, "month")


def test_duplicate_rows_across_files(tmp_path):
    a = ward_monthly(tmp_path, {}, name="a.csv")
    b = ward_monthly(tmp_path, {"falls_total": "6", "falls_no_harm": "4"}, name="b.csv")
    p = only_error([a, b], r"duplicate row .* \(also a.csv row 2\)")
    assert (p.file, p.row) == ("b.csv", 2)


def test_unparseable_date(tmp_path):
    p = only_error(ward_monthly(tmp_path, {"month": "sometime"}), r"unparseable date 'sometime'")
    assert (p.row, p.column) == (2, "month")
    assert "DD/MM/YYYY" in p.fix


def test_two_digit_year_is_ambiguous(tmp_path):
    p = only_error(ward_monthly(tmp_path, {"month": "01/04/24"}), r"ambiguous date '01/04/24'")
    assert (p.row, p.column) == (2, "month")


def test_month_name_with_two_digits_is_ambiguous(tmp_path):
    only_error(ward_monthly(tmp_path, {"month": "Apr-24"}), r"ambiguous date 'Apr-24'.*Apr 2024")


def test_month_first_date_in_day_first_file(tmp_path):
    p = only_error(
        ward_monthly(tmp_path, {"month": "04/13/2024"}),
        r"'04/13/2024' is not a valid day-first \(DD/MM/YYYY\) date",
    )
    assert "dayfirst=False" in p.message


def test_dayfirst_false_reads_us_dates(tmp_path):
    df = spc.load(ward_monthly(tmp_path, {"month": "04/13/2024"}), dayfirst=False, warn=False)
    assert set(df["period"]) == {pd.Timestamp("2024-04-01")}


def test_not_a_real_date(tmp_path):
    only_error(ward_monthly(tmp_path, {"month": "31/02/2024"}), r"'31/02/2024' is not a real date")


def test_number_in_date_column(tmp_path):
    only_error(ward_monthly(tmp_path, {"month": "45383"}), r"45383 is a number, not a date")


def test_missing_value_in_required_column(tmp_path):
    p = only_error(
        ward_monthly(tmp_path, {}, {"ward": ""}), r"missing value in required column 'ward'"
    )
    assert (p.row, p.column) == (3, "ward")


def test_event_type_not_allowed_suggests(tmp_path):
    path = write_csv(
        tmp_path / "ev.csv",
        ["ward", "date", "event_type", "severity"],
        [["W1", "01/04/2024", "falls", "moderate"]],
    )
    p = only_error(path, r"'falls' is not an allowed value \(did you mean 'fall'\?\)")
    assert (p.row, p.column) == (2, "event_type")
    assert "choose one of fall, pressure_ulcer, vte" in p.fix


def test_severity_must_fit_event_type(tmp_path):
    path = write_csv(
        tmp_path / "ev.csv",
        ["ward", "date", "event_type", "severity"],
        [["W1", "01/04/2024", "fall", "category_3"]],
    )
    p = only_error(path, r"'category_3' is not a severity of fall")
    assert p.column == "severity"


def test_change_log_team_not_in_data(tmp_path):
    data = ward_monthly(tmp_path, {})
    ch = write_csv(
        tmp_path / "ch.csv", ["team", "date", "change"], [["W11", "02/04/2024", "Huddles"]]
    )
    with pytest.raises(DataValidationError, match=r"team 'W11' is not in the data files") as info:
        spc.load([data, ch])
    p = info.value.problems[0]
    assert (p.file, p.row, p.column) == ("ch.csv", 2, "team")
    assert "did you mean 'W1'" in p.message


def test_change_log_measure_must_be_known(tmp_path):
    data = ward_monthly(tmp_path, {})
    ch = write_csv(
        tmp_path / "ch.csv",
        ["team", "date", "change", "measure"],
        [["W1", "02/04/2024", "Huddles", "fallz"]],
    )
    p = only_error([data, ch], r"'fallz' is not a measure id or topic \(did you mean 'falls'\?\)")
    assert p.column == "measure"


def test_new_phase_must_be_yes_or_no(tmp_path):
    data = ward_monthly(tmp_path, {})
    ch = write_csv(
        tmp_path / "ch.csv",
        ["team", "date", "change", "new_phase"],
        [["W1", "02/04/2024", "Huddles", "maybe"]],
    )
    only_error([data, ch], r"'maybe' is not an allowed value")


def test_unknown_template(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["a", "b"], [[1, 2]])
    p = only_error(path, r"cannot tell which template this file follows")
    assert "kind='ward-monthly'" in p.fix


def test_file_not_found(tmp_path):
    only_error(tmp_path / "nope.csv", r"file not found")


def test_unsupported_file_type(tmp_path):
    (tmp_path / "data.txt").write_text("ward,month\n")
    only_error(tmp_path / "data.txt", r"unsupported file type '.txt'")


def test_old_xls_workbook(tmp_path):
    (tmp_path / "data.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    p = only_error(tmp_path / "data.xls", r"old-style .xls workbooks are not read")
    assert "save as .xlsx" in p.fix


def test_corrupt_xlsx(tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip file")
    only_error(tmp_path / "bad.xlsx", r"cannot be opened as an Excel workbook")


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    only_error(tmp_path / "empty.csv", r"empty file: no header row")


def test_header_must_be_on_row_one(tmp_path):
    (tmp_path / "wm.csv").write_text("\nward,month,occupied_bed_days\nW1,2024-04,700\n")
    only_error(tmp_path / "wm.csv", r"the first row is blank: the header must be on row 1")


def test_duplicate_column(tmp_path):
    header = [*BASE, "Falls Total"]
    rows = [[*BASE.values(), "5"]]
    p = only_error(
        write_csv(tmp_path / "wm.csv", header, rows),
        r"duplicate column 'Falls Total' \(also 'falls_total'\)",
    )
    assert p.row == 1


def test_data_without_a_header(tmp_path):
    header = [*BASE, ""]
    rows = [[*BASE.values(), "oops"]]
    only_error(write_csv(tmp_path / "wm.csv", header, rows), r"column 26 has data but no name")


def test_every_error_is_reported_at_once_in_the_messy_file():
    messy = EXAMPLE / "messy" / "ward-monthly-messy.csv"
    expected = pd.read_csv(EXAMPLE / "messy" / "expected-problems.csv")
    with pytest.raises(DataValidationError) as info:
        spc.load(messy)
    errors = info.value.problems
    assert len(errors) == len(expected)
    for row, column, text in expected.itertuples(index=False):
        hits = [p for p in errors if p.row == row and p.column == column and text in p.message]
        assert len(hits) == 1, (row, column, text, [str(p) for p in errors])
        assert hits[0].file == "ward-monthly-messy.csv"
    # the error message itself lists them all, with file, row and column
    message = str(info.value)
    assert message.count("ward-monthly-messy.csv, row ") >= len(expected) - 1
    assert "Nothing was loaded" in message


def test_validate_returns_report_without_raising():
    report = spc.validate(EXAMPLE / "messy" / "ward-monthly-messy.csv")
    assert not report.ok
    assert len(report.errors) == 11
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "file", "sheet", "row", "column", "message", "fix"]
    assert (frame["severity"] == "error").sum() == 11


def test_data_validation_error_is_an_spc_error():
    assert issubclass(DataValidationError, SPCError)
    assert issubclass(DataValidationError, ValueError)


# ---------------------------------------------------------------------------------- warnings


def test_gap_is_a_warning_not_an_error(tmp_path):
    path = ward_monthly(tmp_path, {"month": "01/04/2024"}, {"month": "01/07/2024"})
    with pytest.warns(SPCWarning, match=r"1 data warning"):
        df = spc.load(path)
    report = df.attrs["report"]
    assert report.ok
    [w] = report.warnings
    assert "gap: ward 'W1' has no ward-monthly row for 2024-05, 2024-06" in w.message
    assert w.file == "wm.csv"


def test_blank_cell_in_a_tracked_column_is_a_gap_warning(tmp_path):
    path = ward_monthly(tmp_path, {}, {"falls_total": ""})
    report = spc.validate(path)
    assert report.ok
    assert any(
        "gap: falls_per_1000_obd for ward 'W1' is blank in 1 row(s) (rows 3)" in w.message
        for w in report.warnings
    )
    df = spc.load(path, warn=False)
    falls = df[df.measure == "falls_per_1000_obd"]
    assert len(falls) == 2 and falls["value"].isna().sum() == 1  # the row is kept, not lost


def test_small_denominator_is_a_warning(tmp_path):
    path = ward_monthly(tmp_path, {"vte_ra_num": "3", "vte_ra_den": "4"})
    report = spc.validate(path)
    assert report.ok
    [w] = [w for w in report.warnings if "small denominator" in w.message]
    assert "vte_risk_assessment_percent" in w.message and w.row == 2
    assert w.column == "vte_ra_den"


def test_unknown_unrelated_column_is_ignored_with_a_warning(tmp_path):
    header = [*BASE, "comments"]
    path = write_csv(tmp_path / "wm.csv", header, [[*BASE.values(), "busy month"]])
    report = spc.validate(path)
    assert report.ok
    assert any(
        "column 'comments' is not part of the ward-monthly template" in w.message
        for w in report.warnings
    )


def test_partial_measure_columns_warn(tmp_path):
    header = [h for h in BASE if h != "falls_death"]
    report = spc.validate(ward_monthly(tmp_path, header=header))
    assert any(
        "'falls_harm_per_1000_obd' not computed: the file has no column falls_death" in w.message
        for w in report.warnings
    )


def test_measure_columns_are_optional(tmp_path):
    path = write_csv(
        tmp_path / "wm.csv",
        ["ward", "month", "occupied_bed_days", "falls_total"],
        [["W1", "2024-04", "700", "7"]],
    )
    df = spc.load(path, warn=False)
    assert set(df["measure"]) == {"falls_per_1000_obd"}
    assert df["value"].item() == pytest.approx(10.0)


# ------------------------------------------------------------------------- what gets loaded


def test_tidy_frame_columns_and_values(tmp_path):
    df = spc.load(ward_monthly(tmp_path, {}), warn=False)
    assert list(df.columns) == LONG_COLUMNS
    row = df.set_index("measure").loc["falls_per_1000_obd"]
    assert row["period"] == pd.Timestamp("2024-04-01")  # UK day first: 1 April
    assert (row["numerator"], row["denominator"]) == (5, 700)
    assert row["value"] == pytest.approx(5 / 700 * 1000)
    assert (row["file"], row["row"], row["team"], row["trust"]) == ("wm.csv", 2, "W1", "T")
    harm = df.set_index("measure").loc["falls_harm_per_1000_obd"]
    assert harm["numerator"] == 1  # moderate + severe + death
    vte = df.set_index("measure").loc["vte_risk_assessment_percent"]
    assert vte["value"] == pytest.approx(90 / 95 * 100)


def test_thousands_separator_and_month_names(tmp_path):
    df = spc.load(
        ward_monthly(tmp_path, {"occupied_bed_days": "1,200", "month": "April 2024"}), warn=False
    )
    row = df.set_index("measure").loc["falls_per_1000_obd"]
    assert row["denominator"] == 1200 and row["period"] == pd.Timestamp("2024-04-01")


def test_example_row_and_blank_rows_are_skipped_with_a_note(tmp_path):
    data_line = ward_monthly(tmp_path, {}).read_text().splitlines()[1]
    path = tmp_path / "filled.csv"
    path.write_text(template_csv("ward-monthly") + ",,,\n" + data_line + "\n")
    df = spc.load(path, warn=False)
    assert set(df["team"]) == {"W1"}
    assert df["row"].unique().tolist() == [4]
    [note] = df.attrs["report"].notes
    assert "template example row skipped" in note.message and note.row == 2


def test_days_between_events(tmp_path):
    rows = [
        ["W1", "01/04/2024", "fall", "moderate"],
        ["W1", "11/04/2024", "fall", "low"],  # not harm: ignored for this measure
        ["W1", "21/04/2024", "fall", "severe"],
        ["W1", "2024-05-01 12:00", "fall", "death"],
        ["W2", "05/04/2024", "fall", "moderate"],  # only one event: no interval yet
        ["W1", "03/04/2024", "pressure_ulcer", "category_3"],
        ["W1", "13/04/2024", "pressure_ulcer", "category_2"],  # cat 2 not counted
        ["W1", "23/04/2024", "pressure_ulcer", "unstageable"],
    ]
    path = write_csv(tmp_path / "ev.csv", ["ward", "date", "event_type", "severity"], rows)
    df = spc.load(path, warn=False)
    falls = df[df.measure == "days_between_falls_with_harm"]
    assert falls["value"].tolist() == [20.0, 10.5]
    assert falls["period"].tolist() == [
        pd.Timestamp("2024-04-21"),
        pd.Timestamp("2024-05-01 12:00"),
    ]
    assert falls["row"].tolist() == [4, 5] and falls["denominator"].isna().all()
    pu = df[df.measure == "days_between_pu_cat3plus"]
    assert pu["value"].tolist() == [20.0]


def test_same_day_events_count_half_a_day_with_warning(tmp_path):
    rows = [
        ["W1", "01/04/2024", "fall", "moderate"],
        ["W1", "01/04/2024", "fall", "severe"],
        ["W1", "01/04/2024", "fall", "death"],
        ["W1", "03/04/2024", "fall", "death"],
    ]
    path = write_csv(tmp_path / "ev.csv", ["ward", "date", "event_type", "severity"], rows)
    df = spc.load(path, warn=False)
    assert df["value"].tolist() == [0.5, 0.5, 2.0]
    # each event keeps its own x so the T chart has no duplicate points
    assert df["period"].tolist() == [
        pd.Timestamp("2024-04-01 00:01"),
        pd.Timestamp("2024-04-01 00:02"),
        pd.Timestamp("2024-04-03"),
    ]
    assert "counted as 0.5 days apart" in df.attrs["report"].warnings[0].message


def test_change_log_becomes_annotations_and_phase_starts(tmp_path):
    data = ward_monthly(tmp_path, {}, {}, {}, {})  # April to July 2024
    ch = write_csv(
        tmp_path / "ch.csv",
        ["team", "date", "change", "cycle", "measure", "new_phase"],
        [
            ["W1", "15/05/2024", "Huddles", "PDSA 1", "falls", "yes"],
            ["W1", "20/05/2024", "Socks", "", "falls_per_1000_obd", "no"],
            ["W1", "01/06/2024", "Prompt", "PDSA 1", "", "no"],
            ["W1", "01/01/2025", "Later", "", "", ""],
        ],
    )
    df = spc.load([data, ch], warn=False)
    falls = df[df.measure == "falls_per_1000_obd"].set_index("period")
    assert falls.loc["2024-05-01", "annotation"] == "PDSA 1: Huddles; Socks"
    assert falls.loc["2024-05-01", "phase_start"]
    assert falls["phase_start"].sum() == 1
    assert falls.loc["2024-06-01", "annotation"] == "PDSA 1: Prompt"  # blank measure: all
    vte = df[df.measure == "vte_risk_assessment_percent"].set_index("period")
    assert vte["annotation"].notna().sum() == 1 and not vte["phase_start"].any()
    notes = df.attrs["report"].notes
    assert any("after the last data point" in n.message and n.row == 5 for n in notes)


def test_change_in_a_missing_month_goes_to_the_next_point(tmp_path):
    data = ward_monthly(tmp_path, {"month": "01/04/2024"}, {"month": "01/06/2024"})
    ch = write_csv(
        tmp_path / "ch.csv",
        ["team", "date", "change", "new_phase"],
        [["W1", "10/05/2024", "Huddles", "yes"]],
    )
    df = spc.load([data, ch], warn=False)
    falls = df[df.measure == "falls_per_1000_obd"].set_index("period")
    assert falls.loc["2024-06-01", "phase_start"]


# ------------------------------------------------------------- round trips, CSV == Excel


def _fill_rows() -> pd.DataFrame:
    rows = []
    for i, month in enumerate(pd.date_range("2023-04-01", periods=14, freq="MS")):
        for ward in ("W1", "W2"):
            r = {
                k: (float(v) if k not in ("trust", "ward", "month") else v) for k, v in BASE.items()
            }
            r.update(
                ward=ward,
                month=month,
                falls_total=float(i % 5 + 2),
                falls_no_harm=float(i % 5 + 1),
                occupied_bed_days=700.0 + i,
            )
            rows.append(r)
    return pd.DataFrame(rows)


def test_round_trip_xlsx_template_filled_then_loaded(tmp_path):
    path = write_template("ward-monthly", tmp_path / "wm.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    data = _fill_rows()
    ws.delete_rows(2)  # the user removes the example
    for rec in data.to_dict("records"):
        ws.append([rec[h].to_pydatetime() if h == "month" else rec[h] for h in header])
    wb.save(path)
    df = spc.load(path, warn=False)
    falls = df[df.measure == "falls_per_1000_obd"]
    assert len(falls) == 28 and set(falls["team"]) == {"W1", "W2"}
    first = falls[(falls.team == "W1")].iloc[0]
    assert first["period"] == pd.Timestamp("2023-04-01") and first["row"] == 2
    assert first["value"] == pytest.approx(2 / 700 * 1000)
    assert not df.attrs["report"].notes  # nothing skipped


def test_round_trip_csv_template_keeps_example_row(tmp_path):
    path = write_template("ward-monthly", tmp_path / "wm.csv")
    with open(path, "a", newline="") as fh:
        w = csv.writer(fh)
        for rec in _fill_rows().to_dict("records"):
            rec["month"] = rec["month"].strftime("%d/%m/%Y")
            w.writerow(rec[h] for h in BASE)
    df = spc.load(path, warn=False)
    assert set(df["team"]) == {"W1", "W2"}
    assert df["row"].min() == 3  # row 2 is the example


def test_excel_and_csv_give_the_same_frame(tmp_path):
    data = _fill_rows()
    csv_path = write_template("ward-monthly", tmp_path / "wm.csv", data=data)
    xlsx_path = write_template("ward-monthly", tmp_path / "wm.xlsx", data=data)
    a = spc.load(csv_path, warn=False).drop(columns="file")
    b = spc.load(xlsx_path, warn=False).drop(columns="file")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 28 * 10  # 2 wards x 14 months x 10 ward-monthly measures


def test_excel_dates_and_uk_text_dates_agree(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ward", "month", "occupied_bed_days", "falls_total"])
    ws.append(["W1", dt.datetime(2024, 4, 1), 700, 7])
    ws.append(["W1", "01/05/2024", 710, 3])
    wb.save(tmp_path / "x.xlsx")
    df = spc.load(tmp_path / "x.xlsx", warn=False)
    assert df["period"].tolist() == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01")]


def test_example_csv_and_xlsx_trusts_load_alike(tmp_path):
    # the example's Excel file re-written as CSV gives the same frame
    xlsx = EXAMPLE / "ward-monthly-cresthaven.xlsx"
    rows = pd.read_excel(xlsx, sheet_name="data")
    csv_path = write_template("ward-monthly", tmp_path / "crh.csv", data=rows)
    a = spc.load(xlsx, warn=False).drop(columns="file")
    b = spc.load(csv_path, warn=False).drop(columns="file")
    pd.testing.assert_frame_equal(a, b)


def test_kind_can_be_given(tmp_path):
    path = write_csv(
        tmp_path / "odd.csv", ["ward", "month", "occupied_bed_days"], [["W1", "2024-04", "700"]]
    )
    assert spc.load(path, kind="ward-monthly", warn=False).empty
    with pytest.raises(SPCError, match="unknown kind 'nope'"):
        spc.load(path, kind="nope")


def test_load_needs_files():
    with pytest.raises(SPCError, match="no files given"):
        spc.load([])


def test_load_does_not_warn_when_clean(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spc.load(ward_monthly(tmp_path, {}))
