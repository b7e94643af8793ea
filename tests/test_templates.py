"""Templates: committed files equal what the code writes; Excel structure; write_template."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from spc.data.template_files import template_csv, template_workbook, write_template
from spc.data.templates import EXAMPLE_MARKER, TEMPLATES, template_names
from spc.errors import SPCError

REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_names():
    assert template_names() == ["ward-monthly", "safety-thermometer", "events", "changes"]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_committed_csv_is_what_the_code_writes(name):
    committed = (REPO_TEMPLATES / f"{name}.csv").read_text(encoding="utf-8")
    assert committed == template_csv(name), (
        f"templates/{name}.csv is stale: run safety-spc template --all -o templates"
    )


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_committed_xlsx_is_byte_identical(name):
    committed = (REPO_TEMPLATES / f"{name}.xlsx").read_bytes()
    assert committed == template_workbook(name), (
        f"templates/{name}.xlsx is stale: run safety-spc template --all -o templates"
    )


def test_workbook_bytes_are_deterministic():
    assert template_workbook("events") == template_workbook("events")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_xlsx_structure(name):
    spec = TEMPLATES[name]
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(name)))
    assert wb.sheetnames == ["README", "data"]
    ws = wb["data"]
    assert [c.value for c in ws[1]] == spec.column_names
    assert ws.freeze_panes == "A2"
    # example row, marked so the loader skips it
    example = {c.value: ws.cell(2, i + 1).value for i, c in enumerate(ws[1])}
    assert example[spec.team_column] == EXAMPLE_MARKER
    assert ws.max_row == 2
    # README lists every column with its description
    readme = "\n".join(str(c.value) for row in wb["README"].iter_rows() for c in row if c.value)
    for c in spec.columns:
        assert c.name in readme and c.description in readme
    assert "patient-identifiable" in readme
    # data validation: dates, whole numbers >= 0, choices
    rules = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
        for dv in ws.data_validations.dataValidation
    }
    letters = {c.name: openpyxl.utils.get_column_letter(i + 1) for i, c in enumerate(spec.columns)}
    for c in spec.columns:
        dv = rules.get(letters[c.name])
        if c.kind == "text":
            assert dv is None
            continue
        expected = {
            "month": "date",
            "date": "date",
            "count": "whole",
            "amount": "decimal",
            "choice": "list",
        }[c.kind]
        assert dv.type == expected, c.name
        assert str(dv.sqref) == f"{letters[c.name]}2:{letters[c.name]}5000"
        if c.kind == "count":
            assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
        if c.kind == "choice":
            assert dv.formula1 == '"' + ",".join(c.choices) + '"'


def test_ward_monthly_covers_the_issue_fields():
    cols = TEMPLATES["ward-monthly"].column_names
    for c in (
        "ward",
        "month",
        "occupied_bed_days",
        "admissions",
        "falls_total",
        "falls_moderate",
        "pu_new_cat2",
        "pu_present_on_admission",
        "vte_ra_num",
        "vte_ra_den",
        "prophylaxis_num",
        "hat_total",
    ):
        assert c in cols
    assert TEMPLATES["changes"].column_names[:4] == ["team", "date", "change", "cycle"]
    assert TEMPLATES["events"].required == ["ward", "date", "event_type", "severity"]


def test_csv_template_has_header_and_example_row():
    rows = list(csv.reader(io.StringIO(template_csv("ward-monthly"))))
    assert len(rows) == 2 and rows[1][1] == EXAMPLE_MARKER and rows[1][2] == "2024-04-01"


def test_write_template_formats_and_refuses_to_overwrite(tmp_path):
    p = write_template("changes", tmp_path / "c.csv")
    assert p.read_text().startswith("team,date,change")
    with pytest.raises(SPCError, match="already exists"):
        write_template("changes", p)
    assert write_template("changes", p, overwrite=True) == p
    x = write_template("changes", tmp_path / "c", "xlsx")
    assert x.read_bytes()[:2] == b"PK"


def test_write_template_errors(tmp_path):
    with pytest.raises(SPCError, match=r"unknown template 'ward'.*ward-monthly"):
        write_template("ward", tmp_path / "x.csv")
    with pytest.raises(SPCError, match=r"format 'ods' is not supported"):
        write_template("events", tmp_path / "x.ods", "ods")
