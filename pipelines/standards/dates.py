"""Dates as departments deliver them: ISO 8601 / GB/T 7408 `YYYY-MM-DD`, its slash, dot, compact
and Chinese (`2020年1月2日`) spellings, timestamps, full-width digits and Excel serial numbers.

The rule is "never guess": only year-first spellings are read, so `01/02/2020` (day or month
first?) is not a date; a date that does not exist (2020-02-30) is not a date; and missing-value
spellings (空, 无, NULL, -, ...) are None. Excel serial numbers use the 1900 date system
(serial 1 = 1900-01-01; serials from 61 on are days since 1899-12-30, the 1900-02-29 bug
absorbed): they are read only as 4-5 digit numbers from 1000 to 80000 (1902-09-26 to
2119-01-11), and a 4-digit number that reads as a year (1800-2100) is ambiguous, so not a date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from pipelines.standards.text import _HALFWIDTH_TABLE, _as_text, is_missing, strip_whitespace

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 1000, 80000
YEARLIKE_MIN, YEARLIKE_MAX = 1800, 2100

# Time of day after a date: ` 13:45`, `T13:45:00`, `13:45:00.123`, `Z` / `+08:00`; the time is
# read for shape only (the date is what is returned).
_TIME = r"(?:(?:[ T]+|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
# Year first, one separator kind used twice, or the Chinese 年月日 form, or 8 compact digits.
DATE_PATTERN = (
    r"^(?:"
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"|([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"
    r"|([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})"
    r"|([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})[日号]?"
    r"|([0-9]{4})([0-9]{2})([0-9]{2})"
    r")" + _TIME + r"$"
)
_DATE_RE = re.compile(DATE_PATTERN)
EXCEL_SERIAL_PATTERN = r"^([0-9]{4,5})(?:\.[0-9]+)?$"
_SERIAL_RE = re.compile(EXCEL_SERIAL_PATTERN)


def clean_date_text(raw: Any) -> str | None:
    """Half-width and trimmed; missing -> None."""
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    return strip_whitespace(text.translate(_HALFWIDTH_TABLE)) or None


def excel_serial_date(serial: int) -> date | None:
    """The date of an Excel (1900 date system) serial number in the accepted range, else None."""
    if not EXCEL_SERIAL_MIN <= serial <= EXCEL_SERIAL_MAX:
        return None
    if len(str(serial)) == 4 and YEARLIKE_MIN <= serial <= YEARLIKE_MAX:
        return None
    return EXCEL_EPOCH + timedelta(days=serial)


def parse_date(raw: Any) -> date | None:
    """The calendar date a delivered cell means, or None when it is missing or not a date.

    Accepted: `2020-01-02`, `2020/1/2`, `2020.1.2`, `20200102`, `2020年1月2日`, any of these
    followed by a time (`2020-01-02 13:45:00`, `2020-01-02T13:45:00+08:00`), full-width digits,
    and Excel serials (`43831`, `43831.0`, `43831.5` -> 2020-01-01; see the module notes).
    `date`/`datetime` objects pass through (as their date).
    """
    if isinstance(raw, date):
        return raw if type(raw) is date else date(raw.year, raw.month, raw.day)
    text = clean_date_text(raw)
    if text is None:
        return None
    match = _DATE_RE.match(text)
    if match is not None:
        groups = [g for g in match.groups() if g is not None]
        try:
            return date(int(groups[0]), int(groups[1]), int(groups[2]))
        except ValueError:
            return None
    serial = _SERIAL_RE.match(text)
    if serial is not None:
        return excel_serial_date(int(serial.group(1)))
    return None
