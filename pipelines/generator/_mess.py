"""Mess as real department extracts have it, injected cell by cell and logged as truth.

Each kind has a GB/T 36344 dimension and the outcome the pipeline should reach. A cell receives
at most one kind, so a detector reading the landing files can count each kind exactly. Rows are
picked per source at rates of 0.5%-5% of the rows a kind can affect.

Builders damage the source's stored table (errors a department keeps from snapshot to snapshot:
typos, lowercase x, homophones) before slicing it into deliveries, and damage single files for
what happens on the way out (Excel mangling a CSV, an export in another encoding).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl
from opencc import OpenCC

from pipelines.generator._model import DEFECT_SCHEMA
from pipelines.generator._names import HOMOPHONES

# kind -> (GB/T 36344 dimension, expected outcome, what it is)
KINDS: dict[str, tuple[str, str, str]] = {
    "id_lowercase_x": ("规范性", "normalised", "ID number ending in a lowercase x"),
    "id_legacy_15": ("规范性", "normalised", "15-digit legacy ID number (GB 11643-1989)"),
    "id_typo": ("准确性", "flagged", "one digit of the ID number mistyped (checksum fails)"),
    "id_transposed": ("准确性", "flagged", "two adjacent digits of the ID number swapped"),
    "id_excel_scientific": ("准确性", "flagged", "18-digit ID turned into 3.71503E+17 by Excel"),
    "fullwidth_digits": ("规范性", "normalised", "full-width digits (０-９) typed by hand"),
    "ideographic_space": ("规范性", "normalised", "ideographic space (U+3000) inside a name"),
    "traditional_chars": ("规范性", "normalised", "traditional characters for simplified ones"),
    "name_homophone": ("准确性", "merged", "name typed with a homophone or near-homophone"),
    "missing_spelled": ("完整性", "normalised", "missing value spelled 空/无/NULL/-//"),
    "date_format": ("规范性", "normalised", "date spelled in another format"),
    "date_excel_serial": ("规范性", "normalised", "date as an Excel serial number"),
    "amount_format": ("规范性", "normalised", "amount with thousands separators or units"),
    "phone_format": ("规范性", "normalised", "phone with +86, spaces or separators"),
    "address_no_prefix": ("规范性", "normalised", "address without province and city"),
    "address_old_township": ("一致性", "normalised", "address with the township's former name"),
    "address_no_house_number": ("完整性", "flagged", "address missing its house number"),
    "name_spaced": ("规范性", "normalised", "name typed with spaces between its characters"),
    "address_prefix_variant": ("规范性", "normalised", "address with another province/city/county prefix (or none)"),
    "house_number_variant": ("规范性", "normalised", "house number written another way (号院, no 号, no 室)"),
    "embedded_newline": ("规范性", "normalised", "line break inside a quoted field"),
    "duplicate_row": ("准确性", "merged", "the same record twice in one source"),
    "stale_record": ("时效性", "flagged", "person dead or moved away still active in a later extract"),
    "twins": ("准确性", "kept_apart", "twins: same birth date and address, similar names"),
    "org_renamed": ("一致性", "merged", "organisation renamed between deliveries"),
    "legal_rep_changed": ("一致性", "merged", "legal representative changed between deliveries"),
    "header_renamed": ("规范性", "normalised", "a column delivered under another header"),
    "header_extra_column": ("规范性", "normalised", "an extra column in one delivery"),
    "missing_required": ("完整性", "flagged", "a required value is empty"),
    "extra_field": ("规范性", "quarantined", "an unquoted comma splits a field (row too long)"),
    "rejected_file": ("可访问性", "rejected", "a file that cannot be read under its contract"),
    "unencodable_char": ("准确性", "flagged", "character outside GBK written as '?'"),
    "encoding_drift": ("规范性", "normalised", "one delivery in another encoding than usual"),
    "future_date": ("时效性", "flagged", "event date after the as-of date"),
    "gender_mismatch": ("一致性", "flagged", "gender contradicts the ID number"),
    "uscc_lowercase": ("规范性", "normalised", "credit code typed in lowercase"),
    "uscc_typo": ("准确性", "flagged", "one character of the credit code mistyped (checksum fails)"),
    "historic_division_code": ("一致性", "normalised", "division code from before the 2019 change"),
    "benefit_after_death": ("一致性", "flagged", "benefit paid after the recipient's death"),
    "licence_after_deregistration": ("一致性", "flagged", "licence valid after its holder was deregistered"),
    "indicator_inconsistent": ("一致性", "flagged", "reported indicator contradicts its parts or other sources"),
    "event_before_birth": ("时效性", "flagged", "a person's event dated before the person's birth"),
    "event_before_establishment": ("时效性", "flagged", "an organisation's event dated before its establishment in the row"),
    "event_before_registered_establishment": (
        "时效性", "flagged", "an organisation's event dated before the establishment the registry holds"),
    "dates_out_of_order": ("时效性", "flagged", "a date of a row before one it cannot precede (valid-to before valid-from)"),
    "event_on_start_day": ("时效性", "passed", "near miss: an event on the very day its party was born or established"),
    "dates_same_day": ("时效性", "passed", "near miss: two ordered dates of a row on the same day"),
}

MISSING_SPELLINGS = np.array(["空", "无", "NULL", "-", "/", "null", "N/A", "暂无"])
_S2T = OpenCC("s2t")
SENTINEL_COMMA = "\x1f"  # replaced by an unquoted comma when the CSV is written
AREA_CODE = "0635"  # Liaocheng's telephone area code


@dataclass
class Mess:
    """Damages a frame in place (cell by cell) and logs each damaged cell.

    The frame must carry a unique Int64 `__key` column; defects are logged by key so that
    snapshots sliced from a damaged stored table carry the defects of the rows they hold.
    """

    rng: np.random.Generator
    frame: pl.DataFrame
    log: list[pl.DataFrame] = field(default_factory=list)
    touched: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def pick(self, column: str | None, rate: float, eligible: npt.NDArray[np.bool_] | pl.Series | None = None,
             cap: int | None = None) -> npt.NDArray[np.bool_]:
        """Rows to damage: eligible, not yet damaged in `column`, each with probability `rate`."""
        n = self.frame.height
        mask = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool).copy()
        if column is not None:
            mask &= ~self.touched.get(column, np.zeros(n, dtype=bool))
            values = self.frame[column]
            mask &= values.is_not_null().to_numpy() & (values.cast(pl.String) != "").fill_null(False).to_numpy()
        mask &= self.rng.random(n) < rate
        if cap is not None and mask.sum() > cap:
            idx = np.nonzero(mask)[0]
            mask[:] = False
            mask[self.rng.choice(idx, cap, replace=False)] = True
        return mask

    def apply(self, kind: str, column: str | None, mask: npt.NDArray[np.bool_],
              new_values: pl.Series | npt.NDArray[np.object_] | list[str | None] | None,
              detail: str = "") -> int:
        """Write `new_values` (for the masked rows, in order) and log one defect per row."""
        if not mask.any():
            return 0
        if column is not None and new_values is not None:
            values = pl.Series(column, np.asarray(new_values, dtype=object).tolist(), dtype=pl.String)
            updated = self.frame[column].cast(pl.String).clone().scatter(np.nonzero(mask)[0], values)
            self.frame = self.frame.with_columns(updated.alias(column))
            self.touched[column] = self.touched.get(column, np.zeros(self.frame.height, dtype=bool)) | mask
        self.record(kind, column, mask, detail)
        return int(mask.sum())

    def record(self, kind: str, column: str | None, mask: npt.NDArray[np.bool_], detail: str = "") -> None:
        """Log defects for rows without changing them (twins, stale records, duplicates)."""
        dimension, expected, _ = KINDS[kind]
        keys = self.frame["__key"].filter(pl.Series(mask))
        self.log.append(
            pl.DataFrame({"__key": keys}).with_columns(
                column=pl.lit(column, dtype=pl.String), kind=pl.lit(kind), dimension=pl.lit(dimension),
                expected=pl.lit(expected), detail=pl.lit(detail),
            )
        )

    def transform(self, kind: str, column: str, rate: float,
                  fn: Callable[[npt.NDArray[np.str_], np.random.Generator], npt.NDArray[np.object_]],
                  eligible: npt.NDArray[np.bool_] | pl.Series | None = None, detail: str = "") -> int:
        """Pick rows and replace their values by `fn(old values)`; rows fn leaves unchanged are skipped."""
        mask = self.pick(column, rate, eligible)
        if not mask.any():
            return 0
        old = self.frame[column].filter(pl.Series(mask)).to_numpy().astype(str)
        new = np.asarray(fn(old, self.rng), dtype=object)
        changed = new != old
        idx = np.nonzero(mask)[0]
        mask = np.zeros_like(mask)
        mask[idx[changed]] = True
        return self.apply(kind, column, mask, new[changed], detail)

    def defects(self) -> pl.DataFrame:
        schema = {"__key": pl.Int64, **{k: v for k, v in DEFECT_SCHEMA.items() if k != "row"}}
        return pl.concat(self.log).select(list(schema)) if self.log else pl.DataFrame(schema=schema)


# --- value transforms (vectorised over the picked values) -------------------------------------

def _s(values: npt.NDArray[np.str_]) -> pl.Series:
    return pl.Series("v", values, dtype=pl.String)


def lowercase_x(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    return _s(values).str.replace("X", "x", literal=True).to_numpy().astype(object)


def legacy_15(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """18 -> 15 digits: drop the century and the check character (births before 2000 only)."""
    v = _s(values)
    short = v.str.slice(0, 6) + v.str.slice(8, 9)
    return pl.select(pl.when(v.str.slice(6, 2) == "19").then(short).otherwise(v)).to_series().to_numpy().astype(object)


def digit_typo(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """One digit (not the check character) replaced by another."""
    chars = np.array([list(v) for v in values]) if len(values) else np.empty((0, 18), "U1")
    pos = rng.integers(0, 17, len(values))
    old = chars[np.arange(len(values)), pos].astype(int)
    new = (old + rng.integers(1, 10, len(values))) % 10
    chars[np.arange(len(values)), pos] = new.astype(str)
    return np.array(["".join(r) for r in chars], dtype=object)


def digit_typo_code(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """One digit among the first 17 characters of a credit code replaced by another digit."""
    out = []
    starts = rng.integers(0, 17, len(values))
    bumps = rng.integers(1, 10, len(values))
    for v, s, b in zip(values, starts, bumps, strict=True):
        for k in range(17):
            i = (s + k) % 17
            if v[i].isdigit():
                v = v[:i] + str((int(v[i]) + b) % 10) + v[i + 1:]
                break
        out.append(v)
    return np.array(out, dtype=object)


def transpose(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """Two adjacent different digits among the first 17 swapped; unchanged if none differ."""
    out = []
    starts = rng.integers(0, 16, len(values))
    for v, s in zip(values, starts, strict=True):
        for k in range(16):
            i = (s + k) % 16
            if v[i] != v[i + 1] and v[i].isdigit() and v[i + 1].isdigit():
                v = v[:i] + v[i + 1] + v[i] + v[i + 2:]
                break
        out.append(v)
    return np.array(out, dtype=object)


def excel_scientific(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """What Excel writes back for a long number: 6 significant digits, E notation.

    IDs ending in X are text to Excel and survive, as in real files.
    """
    v = _s(values)
    mantissa = (
        (v.str.slice(0, 1) + "." + v.str.slice(1, 5)).str.strip_chars_end("0").str.strip_chars_end(".")
    )
    # Excel rounds to 6 significant digits: 371503... -> 3.71503E+17
    rounded = pl.select(
        (v.str.slice(0, 7).cast(pl.Int64, strict=False) / 10).round(0).cast(pl.Int64).cast(pl.String)
    ).to_series()
    mantissa = (rounded.str.slice(0, 1) + "." + rounded.str.slice(1, 5)).str.strip_chars_end("0").str.strip_chars_end(".")
    damaged = mantissa + "E+" + (v.str.len_chars() - 1).cast(pl.String)
    numeric = v.str.contains(r"^[0-9]{12,}$")
    return pl.select(pl.when(numeric).then(damaged).otherwise(v)).to_series().to_numpy().astype(object)


def fullwidth(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    return _s(values).str.replace_many(list("0123456789X"), list("０１２３４５６７８９Ｘ")).to_numpy().astype(object)


def ideographic_space(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """王伟 -> 王　伟 (clerks pad two-character names to align them)."""
    v = _s(values)
    return (v.str.slice(0, 1) + "\u3000" + v.str.slice(1)).to_numpy().astype(object)


def traditional(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    return np.array([_S2T.convert(v) for v in values], dtype=object)


def homophone(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """One character of the given name replaced by a homophone (the surname stays)."""
    out = []
    for v in values:
        cands = [i for i in range(1, len(v)) if v[i] in HOMOPHONES and HOMOPHONES[v[i]] != v[i]]
        if cands:
            i = cands[int(rng.integers(0, len(cands)))]
            v = v[:i] + HOMOPHONES[v[i]] + v[i + 1:]
        out.append(v)
    return np.array(out, dtype=object)


def spaced_name(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """张伟德 -> 张 伟 德 or 张 伟德 (a clerk spacing the characters out, or the surname off)."""
    v = _s(values)
    every = v.str.split("").list.join(" ")
    after_surname = v.str.slice(0, 1) + " " + v.str.slice(1)
    style = pl.Series(rng.integers(0, 2, len(values)))
    return pl.select(pl.when(style == 0).then(every).otherwise(after_surname)).to_series().to_numpy().astype(object)


def prefix_variant(current: str, variants: list[str]) -> Callable[[npt.NDArray[np.str_], np.random.Generator], npt.NDArray[np.object_]]:
    """The address's leading `current` prefix replaced by one of `variants` (a fuller, shorter,
    historic or no prefix: each clerk writes the place the way they learnt it)."""

    def fn(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
        pick = np.array(variants, dtype=object)[rng.integers(0, len(variants), len(values))]
        rest = _s(values).str.strip_prefix(current).to_numpy().astype(object)
        return np.where(_s(values).str.starts_with(current).to_numpy(), pick + rest, values).astype(object)

    return fn


def house_number_variant(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """12号 -> 12号院 or 12; ...403室 -> ...403 (the same house, written another way)."""
    v = _s(values)
    style = pl.Series(rng.integers(0, 2, len(values)))
    rural = v.str.contains(r"[0-9]+号$")
    out = pl.select(
        pl.when(v.str.ends_with("室")).then(v.str.strip_suffix("室"))
        .when(rural & (style == 0)).then(v + "院")
        .when(rural).then(v.str.strip_suffix("号"))
        .otherwise(v)
    ).to_series()
    return out.to_numpy().astype(object)


def missing_spelled(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    return MISSING_SPELLINGS[rng.integers(0, len(MISSING_SPELLINGS), len(values))].astype(object)


def phone_format(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """+86 138 1234 5678, 138-1234-5678, 138 1234 5678, +8613812345678, 0635-13812345678.

    The last is a mobile typed after the city's area code (Liaocheng, 0635) in a phone field
    laid out for landlines.
    """
    v = _s(values)
    a, b, c = v.str.slice(0, 3), v.str.slice(3, 4), v.str.slice(7, 4)
    style = pl.Series(rng.integers(0, 5, len(values)))
    out = pl.select(
        pl.when(v.str.len_chars() != 11).then(v)
        .when(style == 0).then("+86 " + a + " " + b + " " + c)
        .when(style == 1).then(a + "-" + b + "-" + c)
        .when(style == 2).then(a + " " + b + " " + c)
        .when(style == 3).then("+86" + v)
        .otherwise(AREA_CODE + "-" + v)
    ).to_series()
    return out.to_numpy().astype(object)


def date_spelling(canonical: str) -> Callable[[npt.NDArray[np.str_], np.random.Generator], npt.NDArray[np.object_]]:
    """Re-spell ISO-parsable dates in a format other than the source's canonical one."""
    styles = [s for s in ("iso", "slash", "compact", "chinese", "dot") if s != canonical]

    def fn(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
        parsed = pl.Series(values).str.strptime(pl.Date, FORMATS[canonical], strict=False)
        y, m, d = parsed.dt.year(), parsed.dt.month(), parsed.dt.day()
        spelled = {
            "iso": pl.select(parsed.dt.strftime("%Y-%m-%d")).to_series(),
            "slash": pl.select(pl.concat_str(y.cast(pl.String), pl.lit("/"), m.cast(pl.String), pl.lit("/"), d.cast(pl.String))).to_series(),
            "compact": parsed.dt.strftime("%Y%m%d"),
            "chinese": pl.select(pl.concat_str(y.cast(pl.String), pl.lit("年"), m.cast(pl.String), pl.lit("月"), d.cast(pl.String), pl.lit("日"))).to_series(),
            "dot": parsed.dt.strftime("%Y.%m.%d"),
        }
        pick = rng.integers(0, len(styles), len(values))
        out = np.array(values, dtype=object)
        for i, style in enumerate(styles):
            sel = (pick == i) & parsed.is_not_null().to_numpy()
            out[sel] = spelled[style].to_numpy()[sel]
        return out

    return fn


def excel_serial(canonical: str) -> Callable[[npt.NDArray[np.str_], np.random.Generator], npt.NDArray[np.object_]]:
    """Dates as Excel stores them (days since 1899-12-30)."""

    def fn(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
        parsed = pl.Series(values).str.strptime(pl.Date, FORMATS[canonical], strict=False)
        serial = (parsed.cast(pl.Int32) + 25569).cast(pl.String)
        return np.where(parsed.is_not_null().to_numpy(), serial.to_numpy(), values).astype(object)

    return fn


FORMATS = {"iso": "%Y-%m-%d", "compact": "%Y%m%d", "slash": "%Y/%m/%d", "dot": "%Y.%m.%d",
           "chinese": "%Y年%m月%d日"}


def amount_format(values: npt.NDArray[np.str_], rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """1234.50 -> 1,234.50 / 0.1235万元 / 1234.50元 / ￥1,234.50."""
    x = _s(values).cast(pl.Float64, strict=False)
    style = pl.Series(rng.integers(0, 4, len(values)))
    hundredths = pl.select((x * 100).round(0).cast(pl.Int64)).to_series()
    integer = hundredths // 100
    cents = (hundredths % 100).cast(pl.String).str.zfill(2)
    plain = integer.cast(pl.String) + "." + cents
    grouped = pl.select(
        integer.cast(pl.String).str.reverse().str.replace_all(r"([0-9]{3})", "$1,").str.reverse()
        .str.strip_chars_start(",")
    ).to_series() + "." + cents
    wan = pl.select((x / 10000).round(4).cast(pl.String) + "万元").to_series()
    out = pl.select(
        pl.when(x.is_null()).then(_s(values))
        .when(style == 0).then(pl.when(x >= 1000).then(grouped).otherwise(plain + "元"))
        .when(style == 1).then(pl.when(x >= 1000).then(wan).otherwise(plain + "元"))
        .when(style == 2).then(plain + "元")
        .otherwise("￥" + grouped)
    ).to_series()
    return out.to_numpy().astype(object)
