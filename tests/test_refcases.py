"""Reference cases produced by the R packages qicharts2 0.8.1 and NHSRplotthedots 0.2.2.

Each case runs the recorded R call's equivalent through ``spc.qic`` and compares every
column of the R output (floats to 1e-9 relative; integers, booleans and labels exactly).
Cases are read from ``../shared/refcases`` when present, and always from the copies in
``tests/fixtures/refcases``.
"""

from __future__ import annotations

import pytest
from refcase_harness import SHARED_REFCASES, case_dirs, check_mdc_case, check_qic_case

QIC_CASES = case_dirs("cases")
MDC_CASES = case_dirs("mdc")


def test_shared_refcases_present_or_skipped() -> None:
    if not SHARED_REFCASES.is_dir():
        pytest.skip(
            f"shared reference cases not found at {SHARED_REFCASES}; "
            "only the fixture copies under tests/fixtures/refcases are checked"
        )
    assert any(cid.startswith("shared:") for cid, _ in QIC_CASES)
    assert any(cid.startswith("shared:") for cid, _ in MDC_CASES)


def test_fixture_copies_exist() -> None:
    assert sum(cid.startswith("fixture:") for cid, _ in QIC_CASES) >= 5
    assert sum(cid.startswith("fixture:") for cid, _ in MDC_CASES) >= 4


@pytest.mark.parametrize("folder", [p for _, p in QIC_CASES], ids=[c for c, _ in QIC_CASES])
def test_qicharts2_case(folder) -> None:
    # R: qicharts2::qic(..., return.data = TRUE) as recorded in spec.json "r_call"
    check_qic_case(folder)


@pytest.mark.parametrize("folder", [p for _, p in MDC_CASES], ids=[c for c, _ in MDC_CASES])
def test_nhsrplotthedots_case(folder) -> None:
    # R: as.data.frame(NHSRplotthedots::ptd_spc(...)) with the arguments in spec.json
    check_mdc_case(folder)
