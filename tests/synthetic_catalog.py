"""Small hand-made catalogs and values for the engine tests.

The default hierarchy: city 01 → districts 001 (wards 00001, 00002) and 002
(ward 00003), plus agency SO-A. Every builder fills the columns a test does
not care about, so a test states only what its arithmetic depends on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.schemas import polars_schema

SHA = "a" * 64
RECEIVED = datetime(2024, 10, 1, tzinfo=UTC)

UNITS = [
    ("01", "thanh_pho", None, None, None),
    ("001", "quan", "01", None, None),
    ("002", "huyen", "01", None, None),
    ("00001", "phuong", "001", None, None),
    ("00002", "phuong", "001", None, None),
    ("00003", "xa", "002", None, None),
    ("SO-A", "agency", "01", None, None),
]

#: The 2025 reorganisation in miniature: districts and old wards close on 30 June 2025;
#: ward 10001 opens on 1 July 2025 directly under the city, and code 00001 is reused.
REORGANISED = [
    ("01", "thanh_pho", None, None, None),
    ("001", "quan", "01", None, date(2025, 6, 30)),
    ("002", "huyen", "01", None, date(2025, 6, 30)),
    ("00001", "phuong", "001", None, date(2025, 6, 30)),
    ("00002", "phuong", "001", None, date(2025, 6, 30)),
    ("00003", "xa", "002", None, date(2025, 6, 30)),
    ("00001", "phuong", "01", date(2025, 7, 1), None),
    ("10001", "xa", "01", date(2025, 7, 1), None),
    ("SO-A", "agency", "01", None, None),
]


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """Return rows as a frame of a declared table, missing columns empty."""
    schema = polars_schema(table)
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def indicator(code: str, **rules: object) -> dict:
    """Return an indicator row: a quarterly stock summed across units unless told otherwise."""
    row = {
        "indicator_code": code,
        "term": "XVII",
        "program_code": f"{code[:2]}-CTr/TU",
        "display_order": 1,
        "name_vi": f"Chỉ tiêu {code}",
        "unit_label": "đơn vị",
        "value_type": "number",
        "direction": "increase",
        "agg_units": "sum",
        "agg_time": "last",
        "cumulative_scope": "none",
        "frequency": "quarter",
        "decimals": 1,
        "program_link": "stated",
        "source": "illustrative",
    }
    row.update(rules)
    if row["agg_units"] == "ratio" and row.get("ratio_scale") is None:
        row.update(ratio_scale=100.0, numerator_label_vi="tử", denominator_label_vi="mẫu")
    return row


def target(code: str, unit: str = "01", year: int = 2025, kind: str = "term_end", **numbers: object) -> dict:
    """Return a target row (term-end by default)."""
    return {
        "term": "XVII",
        "indicator_code": code,
        "unit_code": unit,
        "year": year,
        "target_kind": kind,
        "source": "test",
        **numbers,
    }


def make_catalog(
    indicators: list[dict],
    targets: list[dict] = (),
    assignments: list[tuple] = (),
    units: list[tuple] = UNITS,
    tasks: list[dict] = (),
    lineage: list[tuple] = (),
) -> Catalog:
    """Return a Catalog of the given rows.

    `assignments` are (indicator, level, unit) triples; `lineage` rows are (old, new, split, default
    successor[, share]), effective on 1 July 2025.
    """
    unit_rows = [
        {
            "unit_code": c,
            "name_vi": c,
            "kind": k,
            "parent_code": p,
            "valid_from": f,
            "valid_to": t,
            "display_order": i + 1,
            "source": "test",
        }
        for i, (c, k, p, f, t) in enumerate(units)
    ]
    programs = sorted({row["program_code"] for row in indicators} | {row["program_code"] for row in tasks})
    return Catalog(
        directory=Path("synthetic"),
        version="test",
        terms=frame(
            "terms",
            [
                {
                    "term": "XVII",
                    "name_vi": "khóa XVII",
                    "start_year": 2021,
                    "end_year": 2025,
                    "baseline_year": 2020,
                    "source": "test",
                }
            ],
        ),
        programs=frame(
            "programs",
            [
                {
                    "term": "XVII",
                    "program_code": p,
                    "number": int(p[:2]),
                    "title_vi": p,
                    "title_status": "confirmed",
                    "issued_on": date(2021, 3, 17),
                    "source": "test",
                }
                for p in programs
            ],
        ),
        units=frame("units", unit_rows),
        unit_lineage=frame("unit_lineage", [
            {"old_code": row[0], "new_code": row[1], "split": row[2], "default_successor": row[3],
             "share": row[4] if len(row) > 4 else None, "effective_on": date(2025, 7, 1), "source": "test"}
            for row in lineage]),
        indicators=frame("indicators", list(indicators)),
        targets=frame("targets", _with_bases(targets, indicators)),
        tasks=frame("tasks", list(tasks)),
        assignments=frame(
            "assignments", [{"term": "XVII", "indicator_code": i, "level": lv, "unit_code": u}
                            for i, lv, u in assignments]
        ),
        markers=frame("markers", [{"marker": "-", "meaning_vi": "không có", "meaning_en": "none"}]),
    )


def _with_bases(targets: list[dict], indicators: list[dict]) -> list[dict]:
    by_code = {row["indicator_code"]: row for row in indicators}
    def basis(row: dict) -> str:
        return rules.default_basis(row["agg_units"], row["agg_time"], row.get("cumulative_scope", "none"))

    return [{"target_basis": basis(by_code[t["indicator_code"]]), **t} for t in targets]


def values(rows: list[tuple], **common: object) -> pl.DataFrame:
    """Return indicator values from (unit, period, indicator, value[, numerator, denominator]) tuples.

    Keyword arguments set a column for every row (received_at, sha256, …);
    each row gets its own spreadsheet row number starting at 2.
    """
    records = []
    for n, row in enumerate(rows):
        unit, period, code, value, *parts = row
        numerator, denominator = (parts + [None, None])[:2]
        records.append(
            {
                "unit_code": unit,
                "period": period,
                "indicator_code": code,
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "sha256": SHA,
                "sheet": "Sheet1",
                "row": n + 2,
                "received_at": RECEIVED,
                "no_data_marker": "-" if value is None and numerator is None else None,
                **common,
            }
        )
    return frame("indicator_values", records)


def pick(results: pl.DataFrame, unit: str, code: str, column: str = "value") -> object:
    """Return one column of one unit × indicator row of a results or trend frame (None if absent)."""
    found = results.filter(pl.col("unit_code") == unit, pl.col("indicator_code") == code)
    assert found.height <= 1, found
    return found[column][0] if found.height else None
