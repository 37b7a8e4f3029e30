"""Workloads of the benchmarks: a city-scale catalog and its submissions as filled templates.

`scaled_catalog(dir)` writes the bundled catalog with its 10 programs copied
into programs 11-80 (indicators, their assignments and targets with them):
blocks 1-7 keep every assignment, block 8 only the ward-level ones, so in a
year-closing quarter (2024-Q4) a district owes ~150 rows and a ward ~40 — the
city's real load (30 districts, 526 wards). Units, tasks and markers are the
bundled ones.

`templates(catalog_dir, quarters, cache)` generates the submissions of those
quarters (`hanoi_ctr.synthetic.values`, seed 0) as filled `.xlsx` templates, once,
into a cache folder reused by later runs (the folder's name carries the
catalog version, so a changed catalog or generator gives a new folder).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import bundled_catalog_dir, load_catalog

#: Program blocks: copies of the 10 bundled programs; the last keeps only ward-level assignments.
FULL_BLOCKS, WARD_BLOCKS = 7, 1
#: The term whose programs are copied.
TERM = "XVII"
#: National scale: the city's districts and wards this many times over (~3,900 communes and districts).
NATIONAL_COPIES = 7


def _read(directory: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(directory / name, infer_schema=False, encoding="utf8")


def _shift(code: pl.Expr, block: int) -> pl.Expr:
    """Move a code like 03.05 / 03-CTr/TU into program 03 + 10 × block."""
    number = (code.str.slice(0, 2).cast(pl.Int64) + 10 * block).cast(pl.String).str.pad_start(2, "0")
    return pl.concat_str(number, code.str.slice(2))


def scaled_catalog(out: Path | str, full_blocks: int = FULL_BLOCKS, ward_blocks: int = WARD_BLOCKS) -> Path:
    """Write the scaled catalog into `out` (if not there yet) and return the folder."""
    out = Path(out)
    if (out / "indicators.csv").is_file():
        return out
    source = bundled_catalog_dir()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp, ignore=shutil.ignore_patterns("submissions"))
    programs, indicators = _read(source, "programs.csv"), _read(source, "indicators.csv")
    assignments, targets = _read(source, "assignments.csv"), _read(source, "targets.csv")
    disaggregations = _read(source, "disaggregations.csv")
    # Only the term the workloads report on (XVII) is copied; the other terms' rows stay as they are.
    tables = {"programs": programs, "indicators": indicators, "assignments": assignments, "targets": targets,
              "disaggregations": disaggregations}
    parts: dict[str, list[pl.DataFrame]] = {name: [t.filter(pl.col("term") != TERM)] for name, t in tables.items()}
    programs, indicators, assignments, targets, disaggregations = (
        t.filter(pl.col("term") == TERM) for t in tables.values())
    ward_codes = assignments.filter(pl.col("level") == "ward")["indicator_code"].unique()
    for block in range(full_blocks + ward_blocks):
        ward_only = block >= full_blocks
        ind = indicators.filter(pl.col("indicator_code").is_in(ward_codes.implode())) if ward_only else indicators
        asg = assignments.filter(pl.col("level") == "ward") if ward_only else assignments
        tgt = targets.filter(pl.col("indicator_code").is_in(ind["indicator_code"].implode()))
        dis = disaggregations.filter(pl.col("indicator_code").is_in(ind["indicator_code"].implode()))
        parts["programs"].append(programs.with_columns(
            program_code=_shift(pl.col("program_code"), block),
            number=(pl.col("number").cast(pl.Int64) + 10 * block).cast(pl.String)))
        parts["indicators"].append(ind.with_columns(
            indicator_code=_shift(pl.col("indicator_code"), block),
            program_code=_shift(pl.col("program_code"), block)))
        parts["assignments"].append(asg.with_columns(indicator_code=_shift(pl.col("indicator_code"), block)))
        parts["targets"].append(tgt.with_columns(indicator_code=_shift(pl.col("indicator_code"), block)))
        parts["disaggregations"].append(dis.with_columns(indicator_code=_shift(pl.col("indicator_code"), block)))
    for name, frames in parts.items():
        frame = pl.concat(frames)
        if name == "indicators":
            frame = frame.with_columns(display_order=pl.int_range(1, frame.height + 1).cast(pl.String))
        frame.write_csv(tmp / f"{name}.csv")
    load_catalog(tmp)  # fails loudly if the copy is not a valid catalog
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def national_catalog(out: Path | str, city_catalog: Path, provinces: int = NATIONAL_COPIES) -> Path:
    """Write a catalog of national size into `out` (if not there yet): the city's districts and wards
    `provinces` times over, each copy under its own codes, and return the folder.

    Copy k of a district takes a code from 300 on, and each of its wards its code + 11000·k;
    a copy is in force throughout (no reorganisation). Programs, indicators, assignments and targets
    are the city-scale catalog's (`scaled_catalog`), so a copied unit owes what its original owes.
    """
    out = Path(out)
    if (out / "units.csv").is_file():
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(city_catalog, tmp)
    units = _read(city_catalog, "units.csv")
    local = units.filter(pl.col("kind").is_in(["quan", "huyen", "thi_xa", "phuong", "xa", "thi_tran"]),
                         pl.col("valid_from").is_null() | (pl.col("valid_from") <= "2024-10-01"),
                         pl.col("valid_to").is_null() | (pl.col("valid_to") >= "2024-12-31"))
    districts = sorted(c for c in local["unit_code"] if len(c) == 3)
    copies = [units]
    for k in range(1, provinces):
        moved = {c: f"{300 + len(districts) * (k - 1) + r:03d}" for r, c in enumerate(districts)}

        def code(c: pl.Expr, k: int = k, moved: dict = moved) -> pl.Expr:
            return pl.when(c.str.len_chars() == 3).then(c.replace(moved)).when(c.str.len_chars() == 5).then(
                (c.cast(pl.Int64) + 11000 * k).cast(pl.String).str.pad_start(5, "0")).otherwise(c)
        copies.append(local.with_columns(
            unit_code=code(pl.col("unit_code")), parent_code=code(pl.col("parent_code")),
            name_vi=pl.col("name_vi") + f" ({k + 1})", valid_from=pl.lit(None, pl.String),
            valid_to=pl.lit(None, pl.String), display_order=(pl.col("display_order").cast(pl.Int64)
                                                             + 10_000 * k).cast(pl.String)))
    pl.concat(copies).write_csv(tmp / "units.csv")
    load_catalog(tmp)  # fails loudly if the copy is not a valid catalog
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def templates(catalog_dir: Path, quarters: list[str], cache: Path | str, units: list[str] | None = None,
              *, format: str = "template", bad: float = 0.0) -> Path:
    """Return a folder holding the submissions of `quarters` (generated once, then reused).

    `format` is `template` (filled templates) or `xlsx` (long tables, a unit's task rows in a
    file of their own); `bad` spoils that share of the indicator rows (`write_submissions`).
    """
    from hanoi_ctr.synthetic.files import write_submissions
    from hanoi_ctr.synthetic.values import generate

    catalog = load_catalog(catalog_dir)
    tag = f"{catalog.version}-{quarters[0]}-{quarters[-1]}-{len(quarters)}" + (f"-u{len(units)}" if units else "")
    tag += f"-bad{bad:g}" if bad else ""
    folder = Path(cache) / f"{'templates' if format == 'template' else format}-{tag}"
    if (folder / ".complete").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for q in quarters:  # one quarter at a time keeps the generator's memory small
        write_submissions(generate(catalog, [q], units, seed=0), catalog, folder, format=format, bad=bad)
    (folder / ".complete").touch()
    return folder
