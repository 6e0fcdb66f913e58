"""Writing files that leave the warehouse: CSV cells that a spreadsheet would run as formulas are
neutralised, and every write is atomic (a half-written file is never published)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that start like a formula with a quote (OWASP CSV injection rule)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    starts = "^[" + "".join("\\" + p if p in "-+" else p for p in FORMULA_PREFIXES) + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(starts))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so that Excel, which county staff open CSVs with, reads Chinese text."""
    text = neutralise_formulas(frame).write_csv()
    write_atomically(path, b"\xef\xbb\xbf" + text.encode("utf-8"))


def write_json(frame: pl.DataFrame, path: Path) -> None:
    write_atomically(path, frame.write_json().encode("utf-8"))
