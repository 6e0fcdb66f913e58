"""The personal-data scan: every cell of a release is read before anything is written, and a
cell that holds personal data stops the release, naming the dataset, the column and the value
(masked).

What it looks for (../shared/standards.md, disclosure control), in every spelling the ingest
accepts (full-width digits and letters, spaces and ideographic spaces, `-`, `—` and brackets
between digit groups, `+86`/`0086`, lowercase `x`, Excel's leading `'` or `="..."`):
- citizen ID numbers: 18 characters (checksum-valid or not) and legacy 15-digit numbers, told by
  their structure (an address code of a real province, a real birth date), so a unified social
  credit code that happens to be all digits, a licence number, an amount or a date passes;
- mobiles (`1[3-9]` + 9 digits, with or without the country code) and landlines (an area code
  `0xx`/`0xxx` and 7-8 digits);
- bank card numbers: 16-19 digits passing the Luhn check, with a card scheme's prefix;
- vehicle plates (a province's one-character abbreviation, a letter, 5 or 6 characters);
- e-mail addresses;
- residents' names (the population library's), as a whole cell or a whole part of a list, in
  any column except the publicity fields whose headers name a person's role (法定代表人, 经营者,
  负责人: the registration and 双公示 rules publish those names).

Rules read what real department data holds; none of them knows the sample generator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from pipelines.standards.credit_code import is_valid_credit_code
from pipelines.standards.id_number import id_check_char
from pipelines.standards.masking import MaskKind, mask
from pipelines.standards.text import _HALFWIDTH_TABLE

# Headers of the fields in which the publicity rules publish a natural person's name.
PUBLICITY_HEADERS = ("法定代表人", "经营者", "负责人")

# GB/T 2260 province-level codes (the first two digits of an ID's address code); 9x are the
# 2023 permanent-residence IDs of foreigners (9 + a province code).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91", "92", "93",
})
# Card schemes' leading digits (issuer identification numbers): UnionPay 62 and 60, Visa 4,
# Mastercard 51-55 and 2221-2720, JCB 35, American Express 34/37, and the 19-digit debit cards
# of the big four banks that start with 9 (e.g. 955880).
_CARD_PREFIX = re.compile(r"^(?:62|60|4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|35|3[47]|9[5-9])")
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"(?<![A-Z0-9])[{PLATE_PROVINCES}][A-Z][\s·•.\-]?(?:[A-HJ-NP-Z0-9]{{5}}[A-HJ-NP-Z0-9挂学警]?)(?![A-Z0-9])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A number as typed: digits (an `X` may end an ID) with single separators between groups; a
# `+` may lead it (the country code).
_NUMBER = re.compile(r"(?:\+|\()?\d(?:[\d()]|[ \u3000\-—](?=[\d(]))*[Xx]?")
_LANDLINE = re.compile(r"0(?:10|2\d)\d{8}|0[3-9]\d{2}\d{7,8}")
# Headers of licence and document numbers: numbering schemes of a division code and a year look
# like legacy IDs, so there a 15-digit number is not read as one, and an 18-digit one only with a
# valid ID checksum.
_DOCUMENT_NUMBER_HEADER = re.compile(r"编号|文号|登记号|注册号|证号|证书号|许可证号")
_SEPARATORS = re.compile(r"[\s\u3000\-—()+]")
_NAME_SPLIT = re.compile(r"[\s\u3000,，、;；/|:：()（）\[\]【】]+")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")


@dataclass(frozen=True)
class Hit:
    """One cell that holds personal data."""

    dataset: str
    column: str
    row: int  # 1-based row of the published table
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.dataset}: column {self.column}, row {self.row}: {self.kind} {self.masked}"


def _prepare(text: str) -> str:
    """Half-width, Excel's text marks dropped: the forms the ingest reads as the same value."""
    text = text.translate(_HALFWIDTH_TABLE).strip()
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text[1:] if text.startswith("'") else text


def _real_date(year: int, month: int, day: int, as_of: date) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1850, 1, 1) <= born <= as_of


def looks_like_id18(digits: str, as_of: date) -> bool:
    """An 18-character citizen or permanent-residence ID by its structure, whatever its checksum:
    a province's address code and a real birth date. An all-digit unified social credit code that
    passes its own checksum and fails the ID checksum is a credit code (its digits 7-8 are the
    registering county's, rarely a century)."""
    if len(digits) != 18 or not digits[:17].isdigit() or digits[17] not in "0123456789X":
        return False
    province = digits[1:3] if digits[0] == "9" else digits[:2]
    if province not in PROVINCES and digits[:2] not in PROVINCES:
        return False
    if not _real_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]), as_of):
        return False
    id_valid = id_check_char(digits[:17]) == digits[17]
    return id_valid or not is_valid_credit_code(digits)


def looks_like_id15(digits: str, as_of: date) -> bool:
    """A legacy 15-digit ID (GB 11643-1989): a province's address code and a real birth date
    `YYMMDD` in the 1900s (no checksum to test)."""
    if len(digits) != 15 or not digits.isdigit() or digits[:2] not in PROVINCES:
        return False
    return _real_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]), as_of)


def is_mobile(digits: str) -> bool:
    """A mainland mobile, with or without the country code 86 / 0086."""
    for prefix in ("0086", "86", ""):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            rest = digits[len(prefix):]
            if re.fullmatch(r"1[3-9]\d{9}", rest):
                return True
    return False


def is_landline(digits: str, typed: str) -> bool:
    """A landline with its area code (010, 02x, 0xxx + 7-8 digits), written nationally or with
    +86 / 0086 (which drop the trunk 0). A bare 7-8 digit number is not taken for one: amounts and
    serial numbers look the same."""
    if digits.startswith("0086"):
        national = "0" + digits[4:]
    elif typed.startswith("+86") or (typed.startswith("86") and not digits.startswith("861")):
        national = "0" + digits[2:]
    else:
        national = digits
    return bool(_LANDLINE.fullmatch(national))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def is_bank_card(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and digits.isdigit() and bool(_CARD_PREFIX.match(digits)) and luhn_ok(digits)


def _bounded(text: str, start: int, end: int) -> bool:
    """A number stands alone: not inside a code of letters and digits, not a decimal fraction."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before.isascii() and before.isalnum() or after.isascii() and after.isalnum():
        return False
    if before == "." and start > 1 and text[start - 2].isdigit():
        return False
    return not (after == "." and end + 1 < len(text) and text[end + 1].isdigit())


def _candidates(text: str) -> Iterable[tuple[str, str]]:
    """(typed, digits) for every number in the text, whole and split at its spaces (two numbers
    side by side in one cell are read both ways)."""
    for match in _NUMBER.finditer(text):
        typed = match.group(0).rstrip(" \u3000-—(")
        start = match.start()
        if not _bounded(text, start, start + len(typed)):
            continue
        seen = {typed, *re.split(r"[\s\u3000]+|[,，/]", typed)}
        for part in seen:
            part = part.strip()
            if part:
                yield part, _SEPARATORS.sub("", part).upper()


def number_kind(typed: str, digits: str, as_of: date, document_numbers: bool = False) -> tuple[str, MaskKind] | None:
    """What personal number `digits` (typed as `typed`) is, or None. In a column of licence or
    document numbers (`document_numbers`) only a checksum-valid 18-character ID counts as one."""
    if looks_like_id18(digits, as_of) and (not document_numbers or id_check_char(digits[:17]) == digits[17]):
        return "身份证号 ID number", MaskKind.ID_NUMBER
    if not document_numbers and looks_like_id15(digits, as_of):
        return "身份证号（15位） legacy ID number", MaskKind.ID_NUMBER
    if not digits.isdigit():
        return None
    if is_mobile(digits):
        return "手机号 mobile", MaskKind.PHONE
    if is_landline(digits, typed):
        return "固定电话 landline", MaskKind.PHONE
    if is_bank_card(digits) and not is_valid_credit_code(digits):
        return "银行卡号 bank card", MaskKind.ID_NUMBER
    return None


def scan_text(
    text: str,
    as_of: date,
    names: frozenset[str] = frozenset(),
    check_names: bool = True,
    document_numbers: bool = False,
) -> tuple[str, str] | None:
    """(kind, masked value) of the first personal datum in one cell, or None."""
    prepared = _prepare(text)
    for typed, digits in _candidates(prepared):
        found = number_kind(typed, digits, as_of, document_numbers)
        if found:
            return found[0], str(mask(digits, "personal", found[1]))
    email = _EMAIL.search(prepared)
    if email:
        return "电子邮箱 e-mail", str(mask(email.group(0), "personal", MaskKind.TEXT))
    plate = _PLATE.search(prepared.upper())
    if plate:
        return "车牌号 vehicle plate", str(mask(plate.group(0), "personal", MaskKind.TEXT))
    if check_names and names:
        for token in _NAME_SPLIT.split(prepared):
            if token in names:
                return "居民姓名 resident's name", str(mask(token, "personal", MaskKind.NAME))
    return None


def is_publicity_field(header: str) -> bool:
    """A column whose header names the person the publicity rules publish (法定代表人 ...)."""
    return any(word in header for word in PUBLICITY_HEADERS)


def scan_frame(
    dataset: str,
    frame: pl.DataFrame,
    headers: Mapping[str, str],
    as_of: date,
    names: frozenset[str] = frozenset(),
    limit: int = 20,
) -> list[Hit]:
    """Every personal datum in a table (up to `limit`), each naming its column and row.

    Args:
        dataset: the dataset's id, for the message.
        frame: the table as it would be published (every column is read as text).
        headers: column -> the header it is published under (publicity fields are told by it).
        as_of: the run's as-of date (an ID's birth date is not after it).
        names: residents' names (the population library's), looked for outside publicity fields.
        limit: stop after this many hits.
    """
    hits: list[Hit] = []
    for column in frame.columns:
        header = headers.get(column, column)
        check_names = not is_publicity_field(header)
        document_numbers = bool(_DOCUMENT_NUMBER_HEADER.search(header))
        values = frame.get_column(column)
        if values.dtype != pl.String:
            if values.dtype.is_numeric() and not values.dtype.is_integer():
                continue  # a float is never typed as a phone or an ID (it would have lost digits)
            values = values.cast(pl.String)
        distinct = values.drop_nulls().unique(maintain_order=True)
        found: dict[str, tuple[str, str]] = {}
        for value in distinct.to_list():
            result = scan_text(value, as_of, names, check_names, document_numbers)
            if result:
                found[value] = result
        if not found:
            continue
        for index, value in enumerate(values.to_list()):
            if value in found:
                kind, masked = found[value]
                hits.append(Hit(dataset, header if header == column else f"{header} ({column})", index + 1, kind, masked))
                if len(hits) >= limit:
                    return hits
                del found[value]  # one hit per distinct value is enough to name it
    return hits


def resident_names(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Residents' names from the population library (lib_population.person), minus the names of
    places the spatial library knows (a village called 王庄 is not a person)."""
    from pipelines.warehouse import table_exists

    if not table_exists(con, "lib_population.person"):
        return frozenset()
    rows = con.execute(
        "select distinct trim(name) from lib_population.person where name is not null and length(trim(name)) >= 2"
    ).fetchall()
    names = {n for (n,) in rows if n and _HAN_NAME.match(n)}
    places: set[str] = set()
    if table_exists(con, "lib_spatial.division"):
        places |= {n for (n,) in con.execute("select distinct division_name from lib_spatial.division").fetchall() if n}
    if table_exists(con, "lib_spatial.standard_address"):
        places |= {n for (n,) in con.execute(
            "select distinct village_name from lib_spatial.standard_address union select distinct road "
            "from lib_spatial.standard_address").fetchall() if n}
    return frozenset(names - places)
