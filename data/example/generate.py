"""Generate the SYNTHETIC example collaborative in this folder (fixed seed, deterministic).

    .venv/bin/python data/example/generate.py

Every number here is invented. Rates are set from the literature summarised in
../shared/measures.md (falls about 6.6 per 1,000 occupied bed days nationally, higher on care
of older people wards; category 2+ pressure ulcers about 1-2 per 1,000 bed days; VTE risk
assessment around 90-95 %; hospital-acquired thrombosis about 1 per 1,000 bed days; harm-free
care about 92-95 %). No row describes a real ward or patient.

The collaborative: 4 trusts x 3 wards = 12 teams, April 2021 to March 2024 (36 months).
Most teams start PDSA cycles around month 18 with varied effects (strong, moderate, none);
one team deteriorates; one joins late (24 months); a few months are missing. Files are
written through ``spc.data.template_files`` so they follow the templates exactly.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spc.data.template_files import template_csv, write_template

HERE = Path(__file__).resolve().parent
SEED = 14  # chosen (see README) so the realised effects match the design
MONTHS = pd.date_range("2021-04-01", periods=36, freq="MS")

TRUSTS = {"AVN": "Avonmere", "BRK": "Brackley Vale", "CRH": "Cresthaven", "DNM": "Dunmoor"}
# ward type: beds, falls per 1,000 OBD, PU cat 2+ per 1,000 OBD, admissions per bed per month
WARD_TYPES = {
    "ELM": ("care of older people", 28, 9.0, 2.0, 3.2),
    "OAK": ("general medicine", 30, 6.0, 1.4, 5.3),
    "ASH": ("general surgery", 26, 3.0, 0.8, 8.5),
}


@dataclass(frozen=True)
class Plan:
    """What happens to one team: first month of data, and change effects (index, factor)."""

    first: int = 0
    falls: tuple[int, float] | None = None  # (month index of PDSA 1, rate factor afterwards)
    pu: tuple[int, float] | None = None
    vte: int | None = None  # month index the VTE prompt starts (risk assessment improves)
    deteriorates: int | None = None  # month index the falls rate starts rising
    missing: tuple[int, ...] = ()


PLANS = {
    "AVN-ELM": Plan(falls=(17, 0.55), pu=(20, 0.6)),            # strong on both
    "AVN-OAK": Plan(falls=(18, 0.75), missing=(6, 7)),          # moderate; two months missing
    "AVN-ASH": Plan(falls=(18, 1.0)),                           # tried, no effect
    "BRK-ELM": Plan(falls=(19, 0.7), vte=18),
    "BRK-OAK": Plan(falls=(18, 0.6), pu=(21, 0.5), vte=18),
    "BRK-ASH": Plan(vte=18, missing=(25,)),                     # no falls PDSA
    "CRH-ELM": Plan(falls=(18, 0.5), pu=(19, 0.7)),
    "CRH-OAK": Plan(falls=(20, 1.0)),                           # no effect
    "CRH-ASH": Plan(first=12, falls=(24, 0.75), vte=24),        # late joiner: 24 months
    "DNM-ELM": Plan(falls=(18, 0.8), pu=(20, 1.0), missing=(30,)),
    "DNM-OAK": Plan(deteriorates=20),                           # deteriorating team
    "DNM-ASH": Plan(falls=(17, 1.0)),
}

FALLS_CHANGES = [
    "Lying and standing blood pressure on admission",
    "Bay tagging in high-risk bays",
    "Falls safety huddle at shift handover",
    "Footwear and walking-aid check on every shift",
]
PU_CHANGES = ["SSKIN bundle started on admission", "Two-hourly repositioning prompts"]
VTE_CHANGES = ["VTE assessment prompt in the electronic admission record"]

# falls harm split: no harm, low, moderate, severe, death (NRLS grades; harm about 3.5 %)
FALLS_SPLIT = [0.655, 0.31, 0.025, 0.008, 0.002]
# new PU categories: 2, 3, 4, unstageable, deep tissue injury
PU_SPLIT = [0.70, 0.12, 0.03, 0.07, 0.08]
PU_COLS = ["pu_new_cat2", "pu_new_cat3", "pu_new_cat4", "pu_new_unstageable", "pu_new_dti"]
PU_SEV = ["category_2", "category_3", "category_4", "unstageable", "dti"]
FALL_COLS = ["falls_no_harm", "falls_low", "falls_moderate", "falls_severe", "falls_death"]
FALL_SEV = ["no_harm", "low", "moderate", "severe", "death"]


def _factor(plan_item: tuple[int, float] | None, i: int) -> float:
    """Rate factor in month i: ramps to the full effect over three months after the start."""
    if plan_item is None or i < plan_item[0]:
        return 1.0
    start, full = plan_item
    frac = min(1.0, (i - start + 1) / 3)
    return 1.0 + (full - 1.0) * frac


def simulate(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                  pd.DataFrame]:
    """Return (ward-monthly, safety-thermometer, events, changes) frames."""
    monthly, survey, events, changes = [], [], [], []
    trust_factor = {t: rng.uniform(0.85, 1.15) for t in TRUSTS}
    for team, plan in PLANS.items():
        trust_code, ward_code = team.split("-")
        trust = TRUSTS[trust_code]
        _, beds, falls_rate, pu_rate, adm_per_bed = WARD_TYPES[ward_code]
        tf = trust_factor[trust_code]
        obs_rate = rng.uniform(80, 220)  # enhanced observation hours per 1,000 OBD
        for i, month in enumerate(MONTHS):
            if i < plan.first or i in plan.missing:
                continue
            days = month.days_in_month
            obd = round(beds * days * rng.uniform(0.86, 0.97))
            admissions = int(rng.poisson(beds * adm_per_bed * days / 30.4))
            f_factor = _factor(plan.falls, i)
            if plan.deteriorates is not None and i >= plan.deteriorates:
                f_factor *= 1.0 + 0.7 * min(1.0, (i - plan.deteriorates + 1) / 6)
            falls = int(rng.poisson(falls_rate * tf * f_factor * obd / 1000))
            fall_split = rng.multinomial(falls, FALLS_SPLIT)
            pus = int(rng.poisson(pu_rate * tf * _factor(plan.pu, i) * obd / 1000))
            pu_split = rng.multinomial(pus, PU_SPLIT)
            ra_p = 0.91 if plan.vte is None or i < plan.vte else 0.97
            ra_den = int(rng.binomial(admissions, 0.97))
            proph_den = int(rng.integers(12, 26))
            obs_hours = round(rng.gamma(8, obs_rate * obd / 1000 / 8) * 2) / 2
            if plan.falls is not None and plan.falls[1] < 1 and i >= plan.falls[0]:
                obs_hours = round(obs_hours * 1.1 * 2) / 2  # a little more 1:1 care
            row = {
                "trust": trust,
                "ward": team,
                "month": month,
                "occupied_bed_days": obd,
                "admissions": admissions,
                "falls_total": falls,
                **dict(zip(FALL_COLS, fall_split.tolist(), strict=True)),
                "enhanced_obs_hours": obs_hours,
                **dict(zip(PU_COLS, pu_split.tolist(), strict=True)),
                "pu_present_on_admission": int(rng.poisson(adm_per_bed * 0.6)),
                "masd_reported": int(rng.poisson(1.2 * obd / 1000)),
                "vte_ra_num": int(rng.binomial(ra_den, ra_p)),
                "vte_ra_den": ra_den,
                "prophylaxis_num": int(rng.binomial(proph_den, 0.9)),
                "prophylaxis_den": proph_den,
                "hat_total": int(rng.poisson(1.0 * obd / 1000)),
                "major_bleeds": int(rng.poisson(0.0015 * admissions)),
            }
            monthly.append(row)
            # events consistent with the monthly counts
            for sev, col in zip(FALL_SEV[2:], FALL_COLS[2:], strict=True):
                for _ in range(row[col]):
                    events.append((trust, team, month + pd.Timedelta(days=int(rng.integers(days))),
                                   "fall", sev))
            for sev, col in zip(PU_SEV, PU_COLS, strict=True):
                for _ in range(row[col]):
                    events.append((trust, team, month + pd.Timedelta(days=int(rng.integers(days))),
                                   "pressure_ulcer", sev))
            for _ in range(row["hat_total"]):
                events.append((trust, team, month + pd.Timedelta(days=int(rng.integers(days))),
                               "vte", "dvt" if rng.random() < 0.7 else "pe"))
            # safety thermometer: survey each patient on one day of the month
            surveyed = int(rng.binomial(beds, 0.92))
            new_pu = rng.random(surveyed) < 0.025 * _factor(plan.pu, i)
            old_pu = rng.random(surveyed) < 0.045
            fall_harm = rng.random(surveyed) < 0.01 * f_factor
            cauti = rng.random(surveyed) < 0.012
            new_vte = rng.random(surveyed) < 0.006
            new_harm = new_pu | fall_harm | cauti | new_vte
            survey.append({
                "trust": trust,
                "ward": team,
                "month": month,
                "patients_surveyed": surveyed,
                "harm_free": int((~(new_harm | old_pu)).sum()),
                "harm_free_new": int((~new_harm).sum()),
                "patients_new_pu": int(new_pu.sum()),
                "patients_old_pu": int(old_pu.sum()),
                "patients_fall_harm": int(fall_harm.sum()),
                "patients_catheter_uti": int(cauti.sum()),
                "patients_new_vte": int(new_vte.sum()),
            })
        # change log
        def day(i: int) -> pd.Timestamp:
            return MONTHS[i] + pd.Timedelta(days=int(rng.integers(3, 20)))

        if plan.falls is not None:
            start = plan.falls[0]
            picks = rng.choice(len(FALLS_CHANGES), size=3, replace=False)
            for k, (offset, phase) in enumerate([(0, "yes"), (2, "no"), (5, "no")]):
                if start + offset < len(MONTHS):
                    changes.append((team, day(start + offset), FALLS_CHANGES[picks[k]],
                                    f"PDSA {k + 1}", "falls", phase))
        if plan.pu is not None:
            for k, change in enumerate(PU_CHANGES):
                changes.append((team, day(plan.pu[0] + 2 * k), change, f"PDSA {k + 1}",
                                "pressure_ulcers", "yes" if k == 0 else "no"))
        if plan.vte is not None:
            changes.append((team, day(plan.vte), VTE_CHANGES[0], "PDSA 1",
                            "vte_risk_assessment_percent", "yes"))
        if plan.deteriorates is not None:
            changes.append((team, day(plan.deteriorates),
                            "Ward moved to temporary accommodation during building works",
                            "", "", "no"))
        if plan.first:
            changes.append((team, day(plan.first), "Joined the collaborative", "", "", "no"))
    ev = pd.DataFrame(events, columns=["trust", "ward", "date", "event_type", "severity"])
    ev = ev.sort_values(["ward", "date", "event_type", "severity"], kind="stable")
    ch = pd.DataFrame(changes, columns=["team", "date", "change", "cycle", "measure", "new_phase"])
    ch = ch.sort_values(["team", "date"], kind="stable")
    return (pd.DataFrame(monthly), pd.DataFrame(survey), ev.reset_index(drop=True),
            ch.reset_index(drop=True))


# ------------------------------------------------------------------------------- messy file

#: Problems planted in messy/ward-monthly-messy.csv: (row, column, what the check must say).
MESSY_PROBLEMS = [
    (1, "fals_total", "unknown column 'fals_total' (did you mean"),
    (3, "occupied_bed_days", "not a number: 'n/a'"),
    (4, "falls_low", "negative count"),
    (5, "vte_ra_num", "numerator larger than denominator"),
    (6, "occupied_bed_days", "zero denominator"),
    (7, "month", "duplicate row for ward 'BRK-ELM'"),
    (8, "month", "'31/11/2021' is not a real date"),
    (9, "month", "ambiguous date '01/12/21'"),
    (10, "month", "unparseable date 'Jna 2022'"),
    (11, "falls_moderate", "not a whole number"),
    (12, "month", "not a valid day-first (DD/MM/YYYY) date"),
]


def messy(monthly: pd.DataFrame) -> list[list[str]]:
    """One team's first 12 months written as a spreadsheet export with data-entry slips."""
    rows = monthly[monthly["ward"] == "BRK-ELM"].head(11).copy()
    text = list(csv.reader(template_csv("ward-monthly", rows).splitlines()))
    header, body = text[0], text[1:]
    header[header.index("falls_total")] = "fals_total"
    # dates as a UK user types them
    for r in body:
        r[2] = pd.Timestamp(r[2]).strftime("%d/%m/%Y")
    col = {name: i for i, name in enumerate(header)}
    body[1][col["occupied_bed_days"]] = "n/a"                                   # row 3
    body[2][col["falls_low"]] = "-1"                                            # row 4
    body[3][col["vte_ra_num"]] = str(int(body[3][col["vte_ra_den"]]) + 7)       # row 5
    body[4][col["occupied_bed_days"]] = "0"                                     # row 6
    body[5][2] = body[4][2]                                                     # row 7 duplicate
    body[6][2] = "31/11/2021"                                                   # row 8
    body[7][2] = "01/12/21"                                                     # row 9
    body[8][2] = "Jna 2022"                                                     # row 10
    body[9][col["falls_moderate"]] = "1.5"                                      # row 11
    body[10][2] = "02/13/2022"                                                  # row 12
    return [header, *body]


def main(out: Path = HERE) -> None:
    """Write every file of the example collaborative into ``out``."""
    folder = Path(out)
    rng = np.random.default_rng(SEED)
    monthly, survey, events, changes = simulate(rng)
    for code, trust in TRUSTS.items():
        part = monthly[monthly["trust"] == trust]
        name = f"ward-monthly-{trust.split()[0].lower()}"
        fmt = "xlsx" if code == "CRH" else "csv"   # one trust sends Excel
        write_template("ward-monthly", folder / f"{name}.{fmt}", fmt, data=part, overwrite=True)
    write_template("safety-thermometer", folder / "safety-thermometer.csv", data=survey,
                   overwrite=True)
    write_template("events", folder / "events.csv", data=events, overwrite=True)
    write_template("changes", folder / "changes.csv", data=changes, overwrite=True)
    (folder / "messy").mkdir(exist_ok=True)
    with open(folder / "messy" / "ward-monthly-messy.csv", "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(messy(monthly))
    with open(folder / "messy" / "expected-problems.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["row", "column", "message_contains"])
        w.writerows(MESSY_PROBLEMS)


if __name__ == "__main__":
    main()
