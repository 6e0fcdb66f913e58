"""Row checks shared by every format, vectorised over a chunk of rows.

Readers hand over a Polars frame of text: the contract columns (by `name_zh`), extra columns
(`__x<i>`), the row's `_line`, and any fault the parser already found (`__fault`,
`__fault_column`). Here each row either goes to the raw table or to `raw.quarantine` with every
reason it is bad: a field over the contract's maximum length, control characters (NUL and other
C0/C1 controls, except tab and line breaks), a repeated header row, no value in any field, or
a total or signature row of a spreadsheet (see FOOTER_LABEL). Reasons are only built in Python
for the bad rows, which are few.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pipelines.contracts import SourceContract
from pipelines.ingest._headers import HeaderLookup, header_lookup, normalise_header

CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
_CONTROL = re.compile(CONTROL_CHARS)

# A cell that makes a row a spreadsheet's total or signature line, not a record: a total label
# alone in its cell (合计, 总 计, 小计：), a page marker of a printed export (第 1 页 共 9 页), or
# a signatory's or date's label followed by a colon (填表人：王五, 审核：, 打印时间：..., 注：...). Such a row is only taken for one
# when a column the contract requires is blank or holds the label itself, so a record whose
# free text happens to start with 说明： still loads.
FOOTER_LABEL = (
    r"^\s*(?:[合总小共累]\s*计\s*[:：]?\s*$|第\s*\d+\s*页|共\s*\d+\s*页"
    r"|(?:填表人|制表人|填报人|打印人|导出人|审核人?|审批人?|负责人|经办人|统计人|复核人?|单位负责人|"
    r"部门负责人|主管领导|分管领导|签字|签名|盖章|单位盖章|单位[(（]盖章[)）]|填表日期|制表日期|"
    r"填报日期|报送日期|统计日期|打印日期|填表时间|制表时间|填报时间|打印时间|导出时间|截止日期|"
    r"填报单位|制表单位|注|备注|说明)\s*[:：])"
)
_FOOTER = re.compile(FOOTER_LABEL)
_BLANK_OR_FOOTER = r"^\s*$|" + FOOTER_LABEL
FOOTER_REASON = "a total or signature row of the spreadsheet (合计, 填表人: ...), not a record"
HEADER_ROW_REASON = "another header row: its fields name their own columns"
NUMBERING_REASON = "a column numbering row (栏次 1, 2, 3, ...), not a record"
_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
# A numbering row labels its text columns with the heavenly stems (甲, 乙, 丙 ...) and numbers
# the rest: 甲 乙 1 2 3.
_STEMS = frozenset("甲乙丙丁戊己庚辛壬癸")

QUARANTINE_SCHEMA = {"line": pl.String, "column": pl.String, "reason": pl.String, "raw": pl.String}

FAULT = "__fault"
FAULT_COLUMN = "__fault_column"
RAW = "__raw"


@dataclass
class Chunk:
    """Rows ready to write: `good` has the raw table's contract columns, `_line`, `_extras`;
    `bad` has the quarantine columns `line`, `column`, `reason`, `raw`."""

    good: pl.DataFrame
    bad: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.good.height + self.bad.height


@dataclass(frozen=True)
class RowSpec:
    """What a reader delivers for one header: which extra columns and their `_extras` keys."""

    contract: SourceContract
    extra_keys: dict[str, str]  # frame column (`__x<i>`) -> key in `_extras`
    header_values: dict[str, str]  # contract column -> its header text in this file

    @property
    def columns(self) -> list[str]:
        return [c.name_zh for c in self.contract.columns]

    @functools.cached_property
    def required(self) -> list[str]:
        return [c.name_zh for c in self.contract.columns if c.required]

    @functools.cached_property
    def lookup(self) -> HeaderLookup:
        """The contract's header lookup, built once per spec: bad rows are checked one by one."""
        return header_lookup(self.contract)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def quarantine_frame(rows: list[tuple[str, str | None, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA, orient="row")


def finish(
    frame: pl.DataFrame,
    spec: RowSpec,
    raw_text: Callable[[pl.DataFrame], list[str]],
    row_text: bool = False,
    controls: bool = True,
    faulted: pl.DataFrame | None = None,
) -> Chunk:
    """Check every row of a chunk and split it into rows to load and rows to quarantine.

    Args:
        frame: the reader's chunk (see the module docstring).
        spec: the contract and the file's header mapping.
        raw_text: gives the original text of the given rows (only called for bad rows), for
            readers that do not carry `__raw` for every row.
        row_text: `__raw` holds every row's text with its characters as delivered (delimited
            text does; JSON escapes them), so one scan of it finds the rows with control
            characters instead of one scan per column.
        controls: False when the reader has seen the chunk's bytes hold no control character
            at all (`has_control_bytes`), so no row needs scanning for one.
        faulted: rows the reader already quarantined (quarantine columns), added to `bad`.
    """
    columns = spec.columns
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
    conditions = []
    if FAULT in frame.columns:
        conditions.append(pl.col(FAULT).is_not_null())
    if controls:
        if row_text:
            conditions.append(pl.col(RAW).str.contains(CONTROL_CHARS))
        else:
            conditions += [pl.col(c).str.contains(CONTROL_CHARS) for c in (*columns, *spec.extra_keys)]
    conditions += _length_conditions(frame, spec)
    empty = _empty_rows(frame, [*columns, *spec.extra_keys])
    if empty is not None:
        conditions.append(pl.lit(empty))
    for found in (_footer_rows(frame, spec), _header_like_rows(frame, spec)):
        if found is not None:
            conditions.append(pl.lit(found))
    if spec.header_values:
        conditions.append(
            pl.all_horizontal(
                pl.col(c).fill_null("") == pl.lit(h) for c, h in spec.header_values.items()
            )
        )
    extra_bad = [faulted] if faulted is not None and faulted.height else []
    if not conditions or frame.height == 0:
        good, bad = frame, frame.clear()
    else:
        flags = frame.select(pl.any_horizontal(conditions).fill_null(False)).to_series()
        if flags.any():
            good, bad = frame.filter(~flags), frame.filter(flags)
        else:
            good, bad = frame, frame.clear()
    quarantine = _bad_rows(bad, spec, raw_text)
    if extra_bad:
        quarantine = pl.concat([quarantine, *extra_bad], how="vertical")
    return Chunk(good=_good_rows(good, spec), bad=quarantine)


def _length_conditions(frame: pl.DataFrame, spec: RowSpec) -> list[pl.Expr]:
    """A condition per column some value of which may be over the contract's maximum length.

    A text's byte length bounds its length in characters from above, so a column whose longest
    value in bytes is within the maximum needs no count of characters (the common case)."""
    limited = [(c.name_zh, c.max_length) for c in spec.contract.columns if c.max_length is not None]
    if not limited or frame.height == 0:
        return []
    longest = frame.select(pl.col(name).str.len_bytes().max() for name, _ in limited).row(0)
    return [
        _length(pl.col(name)) > limit
        for (name, limit), most in zip(limited, longest, strict=True)
        if most is not None and most > limit
    ]


def _length(text: pl.Expr) -> pl.Expr:
    """A value's length in characters as the contract means it: a CSV export meant for Excel
    wraps long numbers in a text formula (`="371503199001011234"`), which staging unwraps, so
    the three characters of the wrapper do not count."""
    chars = text.str.len_chars()
    wrapped = text.str.starts_with('="') & text.str.ends_with('"') & (chars >= 3)
    return pl.when(wrapped).then(chars - 3).otherwise(chars)


def _value_length(value: str) -> int:
    """`_length` of one value."""
    wrapped = len(value) >= 3 and value.startswith('="') and value.endswith('"')
    return len(value) - 3 if wrapped else len(value)


def _footer_rows(frame: pl.DataFrame, spec: RowSpec) -> pl.Series | None:
    """Rows that are a spreadsheet's total or signature line (see FOOTER_LABEL), or None when
    there is none. Only rows with a required column blank or holding a label are looked at in
    full: a record has its required columns filled, so the full scan runs on few rows."""
    if frame.height == 0 or not spec.required:
        return None
    suspect = pl.any_horizontal(
        pl.col(name).is_null() | pl.col(name).str.contains(_BLANK_OR_FOOTER) for name in spec.required
    )
    candidates = frame.select(pl.arg_where(suspect)).to_series()
    if candidates.len() == 0:
        return None
    names = [*spec.columns, *spec.extra_keys]
    labelled = frame[candidates].select(
        pl.any_horizontal(pl.col(n).str.contains(FOOTER_LABEL).fill_null(False) for n in names)
    ).to_series()
    return _marked(frame.height, candidates.filter(labelled))


def _header_like_rows(frame: pl.DataFrame, spec: RowSpec) -> pl.Series | None:
    """Rows of a table's header block below the header the reader found: a second header in
    another language (`ID_NUMBER, NAME, ...` under `公民身份号码, 姓名, ...`) or the numbering
    row of a statistical form (1, 2, 3, ...). None when there is none; only tabular readers
    (those that found a header row) have them. Rows whose first required column is not a short
    number or one of its column's names are ruled out without looking further."""
    if frame.height == 0 or not spec.required or not spec.header_values:
        return None
    first = spec.required[0]
    lookup = spec.lookup
    spelled = [*lookup.items(), *lookup.bare.items()]
    names = sorted({re.escape(k) for k, target in spelled if target == first and k})
    pattern = r"(?i)^\s*(?:" + "|".join([*names, r"\d{1,3}", "[" + "".join(sorted(_STEMS)) + "]"]) + r")\s*$"
    suspect = pl.col(first).str.contains(pattern).fill_null(False)
    candidates = frame.select(pl.arg_where(suspect)).to_series()
    if candidates.len() == 0:
        return None
    names_all = [*spec.columns, *spec.extra_keys]
    picked = [
        _header_like(record, spec) is not None
        for record in frame[candidates].select(names_all).iter_rows(named=True)
    ]
    return _marked(frame.height, candidates.filter(pl.Series(picked, dtype=pl.Boolean)))


def _marked(height: int, rows: pl.Series) -> pl.Series | None:
    """A flag per row of a chunk, set at `rows` (indices); None when `rows` is empty."""
    if rows.len() == 0:
        return None
    return pl.repeat(False, height, eager=True).scatter(rows, True)


def _header_like(record: dict[str, object], spec: RowSpec) -> str | None:
    """The reason a row belongs to the header block, or None (see `_header_like_rows`)."""
    fields = (*spec.columns, *spec.extra_keys)
    values = {n: str(record[n]) for n in fields if not _blank_value(record[n])}
    if len(values) < 2:
        return None
    stems = [v for v in values.values() if v.strip() in _STEMS]
    if all(_NUMBER.match(v) or v.strip() in _STEMS for v in values.values()):
        numbers = sorted(int(v) for v in values.values() if _NUMBER.match(v))
        needed = 2 if stems else 3
        if len(numbers) >= needed and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return NUMBERING_REASON
        return None
    named = [n for n in spec.columns if n in values]
    if len(named) >= 2 and all(spec.lookup.get(normalise_header(values[n])) == n for n in named):
        return HEADER_ROW_REASON
    return None


def _is_footer(record: dict[str, object], spec: RowSpec) -> bool:
    """`_footer_rows` for one row."""
    def label(value: object) -> bool:
        return isinstance(value, str) and _FOOTER.search(value) is not None

    if not any(_blank_value(record[n]) or label(record[n]) for n in spec.required):
        return False
    return any(label(record[n]) for n in (*spec.columns, *spec.extra_keys))


def _blank_value(value: object) -> bool:
    return value is None or not str(value).strip()


def _blank(name: str) -> pl.Expr:
    """A field with no value: null, empty, or only whitespace."""
    return pl.col(name).is_null() | ~pl.col(name).str.contains(r"\S")


def _empty_rows(frame: pl.DataFrame, names: list[str]) -> pl.Series | None:
    """Rows with no value in any field (`,,,,`, or only blanks): what a spreadsheet saved as
    CSV leaves below its data. They carry nothing to load, so they go to quarantine, counted.
    None when there is none. Only the rows whose first field is blank are looked at in full
    (a whole-frame check of every field costs ten times as much, for rows that are rare)."""
    if frame.height == 0 or not names:
        return None
    candidates = frame.select(pl.arg_where(_blank(names[0]))).to_series()
    if candidates.len() == 0:
        return None
    blank = frame[candidates].select(pl.all_horizontal(_blank(n) for n in names)).to_series()
    return _marked(frame.height, candidates.filter(blank))


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def has_control_bytes(utf8: bytes) -> bool:
    """Whether UTF-8 text holds any of the control characters the row checks look for (C0
    other than tab and line breaks, DEL, and C1 as its two-byte UTF-8 form): one cheap pass
    over a chunk's bytes instead of a scan of every row."""
    if len(utf8.translate(None, _CONTROL_BYTES)) != len(utf8):
        return True
    return b"\xc2" in utf8 and _C1_UTF8.search(utf8) is not None


def _good_rows(frame: pl.DataFrame, spec: RowSpec) -> pl.DataFrame:
    if spec.extra_keys:
        names = list(spec.extra_keys)
        extras = (
            pl.when(pl.any_horizontal(pl.col(n).is_not_null() for n in names))
            .then(
                pl.struct(pl.col(n).alias(k) for n, k in spec.extra_keys.items()).struct.json_encode()
            )
            .otherwise(None)
        )
    else:
        extras = pl.lit(None, dtype=pl.String)
    return frame.select(
        *(pl.col(c).cast(pl.String) for c in spec.columns),
        pl.col("_line").cast(pl.String),
        extras.alias("_extras"),
    )


def _bad_rows(
    frame: pl.DataFrame, spec: RowSpec, raw_text: Callable[[pl.DataFrame], list[str]]
) -> pl.DataFrame:
    if frame.height == 0:
        return empty_quarantine()
    raws = frame[RAW].to_list() if RAW in frame.columns else raw_text(frame)
    rows: list[tuple[str, str | None, str, str]] = []
    for record, raw in zip(frame.iter_rows(named=True), raws, strict=True):
        faults = _faults(record, spec)
        column = faults[0][0] if len({c for c, _ in faults}) == 1 else None
        rows.append((str(record["_line"]), column, "; ".join(r for _, r in faults), raw))
    return quarantine_frame(rows)


def _faults(record: dict[str, object], spec: RowSpec) -> list[tuple[str | None, str]]:
    """Every reason a row is bad, as `(column or None, reason)`. A row that is not a record
    at all (a header row, a numbering row, a total or signature line) gets only that reason:
    its values' lengths mean nothing."""
    if record.get(FAULT) is not None:
        return [(record.get(FAULT_COLUMN), str(record[FAULT]))]  # type: ignore[list-item]
    faults: list[tuple[str | None, str]] = []
    if spec.header_values and all(
        record[c] == h or normalise_header(record[c]) == normalise_header(h)
        for c, h in spec.header_values.items()
    ):
        faults.append((None, "repeated header row"))
    elif spec.header_values and (reason := _header_like(record, spec)) is not None:
        return [(None, reason)]
    elif _is_footer(record, spec):
        return [(None, FOOTER_REASON)]
    for name in (*spec.columns, *spec.extra_keys):
        value = record[name]
        if isinstance(value, str):
            found = _CONTROL.search(value)
            if found is not None:
                label = spec.extra_keys.get(name, name)
                faults.append((label, f"control character U+{ord(found.group()):04X} in {label}"))
    if all(_blank_value(record[n]) for n in (*spec.columns, *spec.extra_keys)):
        faults.append((None, "every field is empty"))
    for column in spec.contract.columns:
        value = record[column.name_zh]
        if column.max_length is not None and isinstance(value, str):
            if _value_length(value) > column.max_length:
                faults.append((
                    column.name_zh,
                    f"{column.name_zh} has {_value_length(value)} characters, over the contract maximum "
                    f"of {column.max_length}",
                ))
    return faults or [(None, "row failed a check")]
