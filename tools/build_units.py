"""Build the unit tables of the catalog from the sourced reference files.

Reads ``../shared/reference/`` (relative to the repository root):

- ``hanoi_units_pre2025.csv``: the city, its 30 districts and 526 wards/communes
  (vietnam-provinces 0.6.0, data as of 2025-01-04), valid until 2025-06-30;
- ``hanoi_units_2025.csv``: the 126 wards/communes in force from 2025-07-01
  (vietnamadminunits 1.0.4; Resolution 1656/NQ-UBTVQH15);
- ``hanoi_ward_lineage_2025.csv``: old unit -> new unit(s), 794 rows;

adds the city agencies that the programs and the source article name, and
writes ``fixtures/units.csv`` and ``fixtures/unit_lineage.csv``.

The output is deterministic (same input, same bytes): UTF-8 without BOM, LF
line endings, codes kept as text with their leading zeros.

Run from the repository root::

    python tools/build_units.py
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"
FIXTURES = REPO / "fixtures"

CITY_CODE = "01"
OLD_VALID_TO = "2025-06-30"
NEW_VALID_FROM = "2025-07-01"

SOURCE_CITY = "GSO"
SOURCE_PRE2025 = "vietnam-provinces 0.6.0 (data as of 2025-01-04)"
SOURCE_2025 = "vietnamadminunits 1.0.4; Resolution 1656/NQ-UBTVQH15 (effective 2025-07-01)"
SOURCE_LINEAGE = "vietnamadminunits 1.0.4"
SOURCE_ARTICLE = "article: Hà Nội tạo thế rồng bay… Bài 2 (reference 000_f0efe02560fe30fd)"
SOURCE_GLOSSARY = "DOMAIN.md glossary; role as task lead illustrative"

# Hosts whose copies are secondary (mirrors, aggregators, document-sharing sites): a source on one
# of them is labelled "weak:" (a label matches the host or its last labels; "baomoi" any of its sites).
WEAK_HOSTS = ("keobongda123news.org", "dokumen.tips", "baomoi", "thitruonghanghoa.com", "hanict.org.vn",
              "tintaynguyen.com", "kienthuc.net.vn")

# Standing agencies: named in a program row of xvii_programs.csv (source = that row's URL).
STANDING_AGENCIES = {
    "TU-BTC": "Ban Tổ chức Thành ủy",
    "SO-KHDT": "Sở Kế hoạch và Đầu tư",
    "SO-XD": "Sở Xây dựng",
    "SO-NNPTNT": "Sở Nông nghiệp và Phát triển nông thôn",
    "SO-QHKT": "Sở Quy hoạch - Kiến trúc",
    "SO-VHTT": "Sở Văn hóa và Thể thao",
    "SO-KHCN": "Sở Khoa học và Công nghệ",
    "SO-LDTBXH": "Sở Lao động - Thương binh và Xã hội",
}

# Agencies not recorded as a standing agency, in display order, with their source.
OTHER_AGENCIES = [
    ("TU-BTG", "Ban Tuyên giáo Thành ủy", SOURCE_GLOSSARY),
    ("TU-BDV", "Ban Dân vận Thành ủy", SOURCE_GLOSSARY),
    ("TU-UBKT", "Ủy ban Kiểm tra Thành ủy", SOURCE_GLOSSARY),
    ("TU-VP", "Văn phòng Thành ủy", SOURCE_GLOSSARY),
    ("UBND-BCSD", "Ban Cán sự đảng UBND Thành phố", SOURCE_ARTICLE),
    ("SO-CT", "Sở Công Thương", SOURCE_ARTICLE),
    ("TRUONG-LHP", "Trường Đào tạo cán bộ Lê Hồng Phong", SOURCE_ARTICLE),
]

AGENCY_ORDER = [
    "TU-BTC", "TU-BTG", "TU-BDV", "TU-UBKT", "TU-VP", "UBND-BCSD",
    "SO-KHDT", "SO-XD", "SO-NNPTNT", "SO-QHKT", "SO-VHTT", "SO-KHCN",
    "SO-LDTBXH", "SO-CT", "TRUONG-LHP",
]

UNIT_COLUMNS = ["unit_code", "name_vi", "kind", "parent_code", "valid_from",
                "valid_to", "display_order", "source"]
LINEAGE_COLUMNS = ["old_code", "new_code", "split", "default_successor", "share",
                   "effective_on", "source"]
YES_NO = {"yes": "true", "no": "false"}


def read_rows(name: str) -> list[dict[str, str]]:
    """Read a reference CSV as a list of dicts of stripped strings."""
    with open(REFERENCE / name, encoding="utf-8", newline="") as f:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(f)]


def write_rows(name: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Write rows to fixtures/<name> as UTF-8 CSV with LF line endings."""
    with open(FIXTURES / name, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def is_weak(url: str) -> bool:
    """Whether a URL is on one of WEAK_HOSTS."""
    labels = (urlsplit(url).hostname or "").split(".")
    return any(labels[-len(host.split(".")):] == host.split(".") if "." in host else host in labels
               for host in WEAK_HOSTS)


def standing_source(row: dict[str, str]) -> str:
    """The program row's source, labelled when only a weak host names the standing agency."""
    if not is_weak(row["source"]):
        return row["source"]
    return (f"weak: {row['source']} (standing agency of {row['code']} as named there; "
            "no mainstream copy found)")


def agency_sources() -> dict[str, str]:
    """Map each agency code to the URL or note where it is named."""
    by_name = {row["standing_agency"]: standing_source(row)
               for row in read_rows("xvii_programs.csv") if row["standing_agency"]}
    sources = {code: by_name[name] for code, name in STANDING_AGENCIES.items()}
    sources.update({code: source for code, _, source in OTHER_AGENCIES})
    return sources


def build_units() -> list[dict[str, str]]:
    """City, pre-2025 units, 2025 units, then agencies, numbered in that order."""
    pre = read_rows("hanoi_units_pre2025.csv")
    new = read_rows("hanoi_units_2025.csv")
    city = next(row for row in pre if row["code"] == CITY_CODE)
    units = [(city, "", "", "", SOURCE_CITY)]
    units += [(row, row["parent_code"], "", OLD_VALID_TO, SOURCE_PRE2025)
              for row in pre if row["code"] != CITY_CODE]
    units += [(row, CITY_CODE, NEW_VALID_FROM, "", SOURCE_2025)
              for row in new if row["code"] != CITY_CODE]
    names = {**STANDING_AGENCIES, **{code: name for code, name, _ in OTHER_AGENCIES}}
    sources = agency_sources()
    units += [({"code": code, "name": names[code], "kind": "agency"},
               CITY_CODE, "", "", sources[code]) for code in AGENCY_ORDER]
    return [
        {"unit_code": row["code"], "name_vi": row["name"], "kind": row["kind"],
         "parent_code": parent, "valid_from": valid_from, "valid_to": valid_to,
         "display_order": str(order), "source": source}
        for order, (row, parent, valid_from, valid_to, source) in enumerate(units, 1)
    ]


def build_lineage() -> list[dict[str, str]]:
    """Old unit -> new unit rows in file order, yes/no turned into true/false."""
    return [
        {"old_code": row["old_code"], "new_code": row["new_code"],
         "split": YES_NO[row["split"]],
         "default_successor": YES_NO[row["default_successor"]],
         "share": "",  # no shares are published: a split ward goes to its default successor
         "effective_on": NEW_VALID_FROM, "source": SOURCE_LINEAGE}
        for row in read_rows("hanoi_ward_lineage_2025.csv")
    ]


def main() -> None:
    units = build_units()
    lineage = build_lineage()
    write_rows("units.csv", UNIT_COLUMNS, units)
    write_rows("unit_lineage.csv", LINEAGE_COLUMNS, lineage)
    print(f"wrote fixtures/units.csv ({len(units)} rows), "
          f"fixtures/unit_lineage.csv ({len(lineage)} rows)")


if __name__ == "__main__":
    main()
