"""Conform a frame of text to a declared table: cast, validate, report.

`conform` casts each declared column from text to its type (a cell that
does not cast is a `type-error`), then validates the whole frame once with
the table's pandera schema and turns every failure into an `Issue` at the
row and column the user sees. Call it once on a concatenated frame, not
once per file: a pandera validation has a fixed cost of ~15 ms.

Position columns `file`, `sheet` and `row` (the row number as the user sees
it) travel with the frame; they are kept when the table declares them and
otherwise only used to place issues.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from hanoi_ctr.declare.fields import Field
from hanoi_ctr.declare.issues import Issue
from hanoi_ctr.declare.schemas import POLARS_TYPES, field_checks, pandera_schema, polars_schema
from hanoi_ctr.declare.tables import TABLES, Table

POSITION_COLUMNS = ("file", "sheet", "row")

#: How each type is named in a type-error message (vi, en).
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "integer": ("số nguyên", "a whole number"),
    "number": ("số", "a number"),
    "boolean": ("true/false", "true/false"),
    "date": ("ngày dạng YYYY-MM-DD", "a date YYYY-MM-DD"),
    "datetime": ("thời điểm ISO 8601", "an ISO 8601 timestamp"),
    "string": ("văn bản", "text"),
}


@dataclass(frozen=True)
class Conformed:
    """A typed frame, the issues found, and which rows an error rejects."""

    frame: pl.DataFrame
    issues: list[Issue]
    rejected: pl.Series


def cast_expr(f: Field) -> pl.Expr:
    """Return an expression casting a text column to the field's type (null where it fails)."""
    col = pl.col(f.name).cast(pl.String).str.strip_chars()
    if f.type == "string":
        return pl.when(col != "").then(col)
    if f.type == "integer":
        return col.cast(pl.Int64, strict=False)
    if f.type == "number":
        number = col.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number)
    if f.type == "boolean":
        return col.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                     return_dtype=pl.Boolean)
    if f.type == "date":
        return col.str.to_date("%Y-%m-%d", strict=False)
    with_zone = col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_zone="UTC")
    naive = col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False).dt.replace_time_zone("UTC")
    return pl.coalesce(with_zone, naive)


def conform(
    table: Table | str,
    frame: pl.DataFrame,
    *,
    file: str | None = None,
    duplicate_code: str = "duplicate-key",
    strict_columns: bool = True,
) -> Conformed:
    """Cast `frame` to `table`'s types and validate it; return the typed frame and issues.

    A required column that is missing is a file-level `missing-column` issue and
    every row is rejected. A column that is not declared is an
    `unexpected-column` issue when `strict_columns`, else ignored.
    """
    t = TABLES[table] if isinstance(table, str) else table
    frame = frame.with_row_index("_i")
    declared = {f.name for f in t.fields}
    issues: list[Issue] = []

    missing = [f.name for f in t.fields if f.required and f.name not in frame.columns]
    if missing:
        issues += [Issue("missing-column", file=file, column=name) for name in missing]
        empty = pl.DataFrame(schema={f.name: POLARS_TYPES[f.type] for f in t.fields})
        return Conformed(empty, issues, pl.Series("rejected", [True] * frame.height, dtype=pl.Boolean))
    if strict_columns:
        extra = [c for c in frame.columns if c not in declared and c not in POSITION_COLUMNS and c != "_i"]
        issues += [Issue("unexpected-column", file=file, column=c) for c in extra]

    place = _Placer(frame, file)
    typed_cols, bad = [], pl.Series("bad", [False] * frame.height, dtype=pl.Boolean)
    uncast: set[tuple[int, str]] = set()
    for f in t.fields:
        if f.name not in frame.columns:
            typed_cols.append(pl.lit(None, dtype=POLARS_TYPES[f.type]).alias(f.name))
            continue
        raw = frame[f.name]
        if raw.dtype == POLARS_TYPES[f.type] and f.type != "string":
            typed_cols.append(pl.col(f.name))
            continue
        raw = raw.cast(pl.String)
        cast = frame.select(cast_expr(f)).to_series()
        failed = raw.str.strip_chars().ne("").fill_null(False) & cast.is_null()
        for i in failed.arg_true().to_list():
            issues.append(place(i, "type-error", f.name, raw[i], detail=TYPE_NAMES[f.type]))
            uncast.add((i, f.name))
        bad = bad | failed
        typed_cols.append(cast.alias(f.name))
    typed = frame.with_columns(typed_cols).select([f.name for f in t.fields])

    schema_issues, schema_bad = _validate(t, typed, place, duplicate_code, uncast)
    issues += schema_issues
    return Conformed(typed, issues, (bad | schema_bad).alias("rejected"))


class _Placer:
    """Turn a frame position into an Issue at the user's file, sheet and row."""

    def __init__(self, frame: pl.DataFrame, file: str | None) -> None:
        self.file = frame["file"] if "file" in frame.columns else None
        self.sheet = frame["sheet"] if "sheet" in frame.columns else None
        self.row = frame["row"] if "row" in frame.columns else None
        self.default_file = file

    def __call__(self, i: int, code: str, column: str | None, value: object,
                 detail: str | tuple[str, str] = "") -> Issue:
        return Issue(
            code,
            file=self.file[i] if self.file is not None else self.default_file,
            sheet=self.sheet[i] if self.sheet is not None else None,
            row=self.row[i] if self.row is not None else i + 2,
            column=column,
            value=None if value is None else str(value),
            detail=detail,
        )


def passes(t: Table, typed: pl.DataFrame) -> bool:
    """Tell whether a typed frame surely meets its table's pandera schema, checked in polars alone.

    The same constraints as the schema (types, required columns without nulls, each field's
    checks, a unique primary key), at least as strictly: a frame this passes, pandera passes;
    one it does not (or a float NaN anywhere) is left to pandera to place every failure.
    """
    if typed.schema != polars_schema(t):
        return False
    checks: list[pl.Expr] = []
    for f in t.fields:
        col = pl.col(f.name)
        if f.required:
            checks.append(col.is_not_null().all())
        if f.type == "number":
            checks.append(~col.is_nan().any())
        if f.enum is not None:
            checks.append(col.is_in(list(f.enum)).fill_null(True).all())
        if f.minimum is not None:
            checks.append(col.ge(f.minimum).fill_null(True).all())
        if f.maximum is not None:
            checks.append(col.le(f.maximum).fill_null(True).all())
        if f.pattern is not None:
            pattern = f.pattern if f.pattern.startswith("^") else f"^{f.pattern}"
            checks.append(col.str.contains(pattern).fill_null(True).all())
    if t.primary_key:
        checks.append(~pl.struct(t.primary_key).is_duplicated().any())
    return not checks or all(typed.select(pl.all_horizontal(checks).alias("ok")).row(0))


def _validate(t: Table, typed: pl.DataFrame, place: _Placer, duplicate_code: str,
              uncast: set[tuple[int, str]]) -> tuple[list[Issue], pl.Series]:
    """Validate with pandera; skip the empty-cell failure of cells already reported as type errors.

    A frame that `passes` in polars has nothing for pandera to find: pandera (~0.4 s to import,
    ~15 ms a call) is asked only about a frame that breaks a constraint.
    """
    bad = pl.Series("bad", [False] * typed.height, dtype=pl.Boolean)
    if passes(t, typed):
        return [], bad
    import pandera.errors

    try:
        pandera_schema(t.name).validate(typed, lazy=True)
        return [], bad
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
    issues = []
    rows: list[int] = []
    first_seen = typed.select(pl.struct(t.primary_key).is_first_distinct()).to_series() if t.primary_key else None
    for case in cases.iter_rows(named=True):
        i, column, check = case["index"], case["column"], case["check"]
        if i is None:
            continue
        if check == "not_nullable":
            if (i, column) in uncast:
                continue
            issue = place(i, "missing-value", column, None)
        elif check in ("multiple_fields_uniqueness", "field_uniqueness"):
            if first_seen[i]:  # the first occurrence is the original, not the duplicate
                continue
            key = " / ".join(str(typed[n][i]) for n in t.primary_key)
            issue = place(i, duplicate_code, ",".join(t.primary_key), key)
        else:
            f = t.field(column)
            code = field_checks(f)[case["check_number"]][0]
            issue = place(i, code, column, case["failure_case"], detail=_allowed(f))
        issues.append(issue)
        rows.append(i)
    if rows:
        bad = bad.scatter(sorted(set(rows)), True)
    return issues, bad


def _allowed(f: Field) -> str:
    if f.enum is not None:
        return ", ".join(f.enum)
    if f.minimum is not None or f.maximum is not None:
        lo = "" if f.minimum is None else f"{f.minimum:g}"
        hi = "" if f.maximum is None else f"{f.maximum:g}"
        return f"[{lo} … {hi}]"
    return f.pattern or ""
