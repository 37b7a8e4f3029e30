"""The child process of `sandbox`: it opens one workbook at a time and answers questions about it.

Run as a script (`python -I sandbox_child.py <memory>`), never imported:
it limits its own data memory, loads `sheetxml` by its path (importing the
package would import all of `hanoi_ctr`), then reads requests on stdin —
a JSON part and the workbook's bytes, framed by their lengths — and
answers each in JSON on stdout:

- `open`: measure and inspect the workbook (`sheetxml.inspect`); its sheets
  (name, state, rows, columns), or why it is refused;
- `rows`: parse some sheets with fastexcel; their rows of text, first
  column holding a value and hidden rows;
- `cells`: how the cells of some columns of a sheet were stored;
- `read`: all of it in one round trip: `open`, then the rows of the sheets
  a reader takes (a template's sheets when the workbook holds the first of
  them, else every visible sheet) and which of their cells were stored as
  numbers or percentages (the only ones whose storage a reader asks about),
  in the columns the request names for a sheet (a template's), else in all.

Any failure on a workbook is answered as an error for that workbook; a
failed allocation in the native parser aborts the process, which the
parent reads as the workbook needing more memory than it has.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import struct
import sys
from pathlib import Path

_REQUEST = struct.Struct(">IQ")
_REPLY = struct.Struct(">Q")


def _sheetxml():
    spec = importlib.util.spec_from_file_location("sheetxml", Path(__file__).with_name("sheetxml.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["sheetxml"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def serve(memory: int) -> None:
    """Answer requests about one workbook at a time, from stdin, until it closes."""
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    import fastexcel
    import polars  # noqa: F401 (fastexcel's to_polars)

    xml = _sheetxml()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    book, data, reader = None, b"", None
    while True:
        head = stdin.read(_REQUEST.size)
        if len(head) < _REQUEST.size:
            return
        size_json, size_data = _REQUEST.unpack(head)
        request = json.loads(stdin.read(size_json))
        payload = stdin.read(size_data)
        try:
            if request["op"] == "open":
                book, data, reader = xml.inspect(payload, xml.Limits(*request["limits"])), payload, None
                reply = ({"refused": [book.code, book.detail]} if isinstance(book, xml.Refused) else
                         {"sheets": [[s.name, s.state, s.rows, s.columns] for s in book.sheets]})
            elif request["op"] == "rows":
                reader = reader or fastexcel.read_excel(data)
                reply = {"sheets": [_rows(reader, book.sheet(name)) for name in request["sheets"]]}
            elif request["op"] == "read":
                book, data, reader = xml.inspect(payload, xml.Limits(*request["limits"])), payload, None
                if isinstance(book, xml.Refused):
                    reply = {"refused": [book.code, book.detail]}
                else:
                    reader = fastexcel.read_excel(data)
                    names = _taken(book, request["template"])
                    known = request.get("positions", {})
                    reply = {"sheets": [[s.name, s.state, s.rows, s.columns] for s in book.sheets],
                             "rows": [_rows(reader, book.sheet(name)) for name in names],
                             "cells": {name: _stored(book.sheet(name), known.get(name)) for name in names}}
            else:
                cells = book.sheet(request["sheet"]).cells(request["columns"])
                reply = {"cells": [[row, column, c.kind, c.pad] for (row, column), c in cells.items()]}
        except Exception as exc:  # any failure on this workbook is the workbook's problem
            reply = {"error": type(exc).__name__}
        text = json.dumps(reply, ensure_ascii=False).encode()
        stdout.write(_REPLY.pack(len(text)) + text)
        stdout.flush()


def _taken(book, template: list[str]) -> list[str]:
    """Return the sheets a reader takes: a template's (if the first is there), else the visible ones."""
    if template and book.sheet(template[0]) is not None:
        return [s.name for s in book.sheets if s.name in template]
    return [s.name for s in book.sheets if s.state == "visible"]


def _stored(sheet, positions: list[int] | None) -> dict:
    """Return the columns looked at and [row, column, kind, pad] of each of their cells stored as a number
    or a percentage: the columns at `positions` in the parsed rows when the reader knows them (a
    template's), else every column of the used range."""
    if positions is None:
        columns = list(range(1, sheet.first_column + max(sheet.columns, 1)))
    else:
        columns = [sheet.first_column + p for p in positions]
    cells = sheet.cells(columns) if columns else {}
    return {"columns": columns, "cells": [[row, column, c.kind, c.pad] for (row, column), c in cells.items()
                                          if c.kind in ("number", "percent")]}


def _rows(reader, sheet) -> list:
    """Return [name, rows of text, first column holding a value, hidden rows] of a sheet."""
    rows = reader.load_sheet(sheet.name, header_row=None, skip_rows=0, dtypes="string").to_polars().rows()
    return [sheet.name, rows, sheet.first_column, sorted(sheet.hidden_rows)]


if __name__ == "__main__":
    serve(int(sys.argv[1]))
