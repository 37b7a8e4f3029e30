"""The `hanoi-ctr` command line.

Exit codes: 0 done and clean, 1 done but the data has errors, 2 usage or
configuration error (one line on stderr saying what to fix).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from hanoi_ctr.errors import CatalogError, ConfigError
from hanoi_ctr.settings import Settings

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2


def _catalog_check(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.catalog import load_catalog

    directory = args.directory or settings.catalog_dir
    try:
        catalog = load_catalog(directory)
    except CatalogError as exc:
        print(exc, file=sys.stdout)
        return EXIT_DATA_ERRORS
    print(f"catalog OK: {catalog!r}")
    return EXIT_OK


def _schemas_export(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.schemas import export

    root = Path(args.root)
    if not (root / "pyproject.toml").is_file():
        raise ConfigError(f"{root.resolve()} is not the hanoi_ctr repository root (no pyproject.toml); "
                          "run from the checkout or pass --root")
    for path in export(root):
        print(path)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="hanoi-ctr",
        description="Catalog, templates, intake and rollups of the Hanoi Party Committee's work programs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    catalog = commands.add_parser("catalog", help="work with the catalog").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    check = catalog.add_parser("check", help="validate a catalog directory and list every problem")
    check.add_argument("directory", nargs="?", type=Path, help="catalog directory (default: bundled)")
    check.set_defaults(run=_catalog_check)

    schemas = commands.add_parser("schemas", help="work with the generated schemas").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    export = schemas.add_parser("export", help="write schemas/*.json and fixtures/datapackage.json")
    export.add_argument("--root", default=".", help="repository root (default: current directory)")
    export.set_defaults(run=_schemas_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        return run(args, Settings.from_env())
    except ConfigError as exc:
        print(f"hanoi-ctr: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
