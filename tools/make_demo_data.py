"""Write the bundled demo inbox, ``fixtures/submissions/``, from the synthetic generator.

Term XVII as the city's Party Office would hold it at the start of 2025: the
30 districts, two sampled wards of each and the city agencies, reporting
every quarter from 2021-Q1 to 2024-Q4, so that ``hanoi-ctr demo`` shows a
rollup with trends. Everything comes from ``hanoi_ctr.synthetic.values`` with a
fixed seed over the bundled catalog, so the same code gives the same bytes.

Layout (the inbox is read recursively):

- ``history/<year>/<year>_<district>.csv``: the backfill 2021-Q1 … 2024-Q3,
  one long-table CSV per district and year holding the district and its
  two sampled wards; ``<year>_agencies.csv`` the agencies' city statistics
  and ``<year>_agencies_tasks.csv`` the progress of the tasks they lead;
  a revision sent later is ``<quarter>_<unit>_v2.csv`` beside them.
- ``2024-Q4/2024-Q4_<unit>.xlsx``: the latest quarter as filled templates
  (with the task sheet of the lead agencies); revisions as
  ``2024-Q4_<unit>_v2.csv``. Some units are late, some never sent.
- Deliberately broken, in ``2024-Q4/``: a ward's CSV saved in Windows-1258
  (`unsupported-encoding`), a district template whose hidden metadata was
  edited (`template-mismatch`), a district that typed its figures into a
  long CSV with a few bad rows, and a template sent twice
  (``…_gui_lai.xlsx``, `duplicate-file`).
Beside the inbox, not in it (an inbox holds what offices sent, and reading
it reports anything else), ``fixtures/demo-expected/issues.csv`` lists every
issue validating the inbox must raise (file, row, column, code) and
``fixtures/demo-expected/files.csv`` what each file is.

Run from the repository root (takes about five seconds; it replaces the
whole folder, and ``tests/test_synthetic.py`` checks that validating it
raises exactly ``demo-expected/issues.csv``)::

    python tools/make_demo_data.py
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import shutil
import sys
import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hanoi_ctr import load_catalog  # noqa: E402
from hanoi_ctr.periods import parse_period, window  # noqa: E402
from hanoi_ctr.synthetic.files import Written, write_submissions  # noqa: E402
from hanoi_ctr.synthetic.values import Mix, Synthetic, generate, rng  # noqa: E402

OUT = REPO / "fixtures" / "submissions"
EXPECTED = REPO / "fixtures" / "demo-expected"
SEED = 2020
LATEST = "2024-Q4"
QUARTERS = [f"{y}-Q{q}" for y in range(2021, 2025) for q in range(1, 5)]
WARDS_PER_DISTRICT = 2
#: A ward with its own target in the catalog, always in the sample.
KEEP_WARDS = ("00277",)
MIX = Mix(late=0.1, missing=0.03, revised=0.015, no_data=0.015)
#: The latest quarter draws revisions more often, then keeps two (values are the same: only which
#: submissions are revised depends on the share).
LATEST_MIX = dataclasses.replace(MIX, revised=0.1)
LABELS = ["file", "row", "column", "code"]


def sample_units(catalog) -> tuple[list[str], dict[str, str], list[str]]:
    """Return the districts, the sampled wards (→ their district) and the agencies of the latest quarter."""
    units = catalog.units_on(window(parse_period(LATEST))[1])
    districts = sorted(units.filter(pl.col("level") == "district")["unit_code"])
    wards: dict[str, str] = {}
    for district in districts:
        children = sorted(units.filter(pl.col("parent_code") == district,
                                       pl.col("level") == "ward")["unit_code"])
        keep = [w for w in children if w in KEEP_WARDS]
        others = [w for w in children if w not in keep]
        keep += rng(SEED, "sample", district).sample(others, WARDS_PER_DISTRICT - len(keep))
        wards |= {w: district for w in sorted(keep)}
    agencies = sorted(units.filter(pl.col("level") == "agency")["unit_code"])
    return districts, wards, agencies


def only_revisions(synthetic: Synthetic, keep: int) -> Synthetic:
    """Keep the first `keep` revisions of indicator values (a quarter rarely sees more)."""
    with_values = synthetic.cells.select("unit_code", "period").unique()
    revised = synthetic.submissions.filter(pl.col("version") == 2).join(
        with_values, on=["unit_code", "period"], how="semi").sort("unit_code").head(keep).select(
        "unit_code", "period")
    drop = (pl.col("version") == 2) & ~pl.struct("unit_code", "period").is_in(
        revised.select(pl.struct("unit_code", "period")).to_series().implode())
    return Synthetic(synthetic.seed, synthetic.submissions.filter(~drop), synthetic.missing,
                     synthetic.cells.filter(~drop), synthetic.tasks.filter(~drop), synthetic.pairs)


def write_history(synthetic: Synthetic, catalog, wards: dict[str, str]) -> Written:
    """Write the backfill as yearly long-table CSVs per district (with its wards) and for the agencies."""
    def name(unit: str, period: str, version: int) -> str:
        year = period[:4]
        if version > 1:
            return f"history/{year}/{period}_{unit}_v{version}"
        if unit[0].isalpha():
            return f"history/{year}/{year}_agencies"
        return f"history/{year}/{year}_{wards.get(unit, unit)}"

    return write_submissions(synthetic, catalog, OUT, format="csv", name=name, messy=0.03)


def write_latest(synthetic: Synthetic, catalog) -> Written:
    """Write the latest quarter: templates, and revisions as CSV."""
    first = write_submissions(synthetic.select(versions=[1]), catalog, OUT, format="template",
                              name=lambda u, p, v: f"{p}/{p}_{u}", messy=0.08)
    second = write_submissions(synthetic.select(versions=[2]), catalog, OUT, format="csv",
                               name=lambda u, p, v: f"{p}/{p}_{u}_v{v}")
    return _concat([first, second])


def _concat(parts: list[Written]) -> Written:
    return Written(*(pl.concat([getattr(p, f) for p in parts]) for f in Written.__dataclass_fields__))


# --- broken files -------------------------------------------------------------


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese the way a legacy Windows-1258 export does: base letter, then the tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base, tone = unicodedata.normalize("NFC", decomposed[:-1]), decomposed[-1]
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def edit_meta_period(path: Path, old: str, new: str) -> None:
    """Change the period in a template's hidden metadata, as a user reusing an old template might."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == "xl/sharedStrings.xml":
                assert data.count(f"<t>{old}</t>".encode()) == 1, "the period should be one shared string"
                data = data.replace(f"<t>{old}</t>".encode(), f"<t>{new}</t>".encode())
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def break_files(synthetic: Synthetic, catalog, written: Written, wards: dict[str, str],
                districts: list[str]) -> tuple[pl.DataFrame, list[dict]]:
    """Spoil a few latest-quarter files as offices do; return the labels that replace theirs."""
    now = written.files.filter(pl.col("period") == LATEST)
    latest = now.filter(pl.col("format") == "template", pl.col("version") == 1)
    revised, late = set(now.filter(pl.col("version") == 2)["unit_code"]), set(now.filter("late")["unit_code"])
    plain = set(latest["unit_code"]) - revised - late - set(KEEP_WARDS)  # on time, sent once

    def candidates(pool) -> list[str]:
        return sorted(set(pool) & plain)

    ward_a, ward_b = candidates(wards)[3], candidates(wards)[11]
    district_a, district_b = candidates(districts)[4], candidates(districts)[9]
    replaced: dict[str, list[dict]] = {}

    # A ward saved its figures as CSV from an old Excel: Windows-1258, refused as a whole.
    path_of = dict(latest.select("unit_code", "path").iter_rows())
    (OUT / path_of[ward_a]).unlink()
    with tempfile.TemporaryDirectory() as tmp:
        one = synthetic.select([LATEST], [ward_a], versions=[1])
        write_submissions(one, catalog, tmp, format="csv")
        text = (Path(tmp) / f"{LATEST}_{ward_a}.csv").read_text(encoding="utf-8")
    bad_encoding = OUT / LATEST / f"{LATEST}_{ward_a}.csv"
    bad_encoding.write_bytes(to_cp1258(text))
    replaced[Path(path_of[ward_a]).name] = []
    replaced[bad_encoding.name] = [{"file": bad_encoding.name, "row": None, "column": None,
                                    "code": "unsupported-encoding"}]

    # A district reused its template after editing the period in the hidden metadata.
    edit_meta_period(OUT / path_of[district_a], LATEST, "2024-Q3")
    name = Path(path_of[district_a]).name
    replaced[name] = [{"file": name, "row": None, "column": None, "code": "template-mismatch"}]

    # A district typed its figures into a long CSV instead of the template, with a few mistakes.
    (OUT / path_of[district_b]).unlink()
    replaced[Path(path_of[district_b]).name] = []
    typed = write_submissions(synthetic.select([LATEST], [district_b], versions=[1]), catalog, OUT,
                              format="csv", name=lambda u, p, v: f"{p}/{p}_{u}", bad=0.2, messy=0.2,
                              codes=("type-error", "out-of-range", "duplicate-row", "missing-value",
                                     "unknown-indicator"))
    assert typed.expected.filter(pl.col("code") != "late-submission").height >= 2, "want a few bad rows"

    # A ward sent the same template twice.
    original = OUT / path_of[ward_b]
    copy = original.with_name(original.stem + "_gui_lai.xlsx")
    shutil.copyfile(original, copy)
    replaced[copy.name] = [{"file": copy.name, "row": None, "column": None, "code": "duplicate-file"}]

    written = _concat([written, typed])
    kept = written.expected.filter(~pl.col("file").is_in(list(replaced)))
    labels = kept.select(LABELS).to_dicts() + [label for found in replaced.values() for label in found]
    gone = [n for n, found in replaced.items() if not found]
    defects = {bad_encoding.name: "unsupported-encoding", Path(path_of[district_a]).name: "template-mismatch",
               copy.name: "duplicate-file", f"{LATEST}_{district_b}.csv": "bad-rows"}
    added = pl.DataFrame([
        {"path": f"{LATEST}/{bad_encoding.name}", "file": bad_encoding.name, "format": "csv",
         "kind": "indicators", "unit_code": ward_a, "period": LATEST, "version": 1},
        {"path": f"{LATEST}/{copy.name}", "file": copy.name, "format": "template", "kind": "template",
         "unit_code": ward_b, "period": LATEST, "version": 1},
    ])
    files = pl.concat([written.files.filter(~pl.col("file").is_in(gone)), added], how="diagonal_relaxed")
    return files.with_columns(defect=pl.col("file").replace_strict(defects, default=None)), labels


def main() -> None:
    started = time.perf_counter()
    catalog = load_catalog()
    districts, wards, agencies = sample_units(catalog)
    units = [*districts, *wards, *agencies]
    history = generate(catalog, QUARTERS[:-1], units, seed=SEED, mix=MIX)
    latest = only_revisions(generate(catalog, [LATEST], units, seed=SEED, mix=LATEST_MIX), keep=2)
    for folder in (OUT, EXPECTED):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    written = _concat([write_history(history, catalog, wards), write_latest(latest, catalog)])
    files, labels = break_files(latest, catalog, written, wards, districts)
    with open(EXPECTED / "issues.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, LABELS, lineterminator="\n")
        out.writeheader()
        out.writerows(sorted(labels, key=lambda r: (r["file"], r["row"] or 0, r["column"] or "", r["code"])))
    # The hashes of the files as they lie in the inbox, after the spoiling.
    digest = {path: hashlib.sha256((OUT / path).read_bytes()).hexdigest() for path in files["path"].unique()}
    files = files.with_columns(sha256=pl.col("path").replace_strict(digest))
    files.sort("path", "unit_code", "period").write_csv(EXPECTED / "files.csv")
    paths = [p for p in OUT.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files ({size / 1e6:.2f} MB) and {len(labels)} expected issues to "
          f"{OUT.relative_to(REPO)} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
