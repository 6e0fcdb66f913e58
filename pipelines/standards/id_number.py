"""Citizen identity number (公民身份号码), GB 11643-1999, and the legacy 15-digit form of GB 11643-1989.

Layout of the 18 characters: 6-digit address code (GB/T 2260, the code valid when the number was
issued), birth date `YYYYMMDD`, 3-digit sequence (odd = male, even = female), check character.
The check character is ISO 7064 MOD 11-2: weights `2^(18-i) mod 11` for positions i = 1..17,
remainder of the weighted sum mod 11 mapped 0..10 -> `1 0 X 9 8 7 6 5 4 3 2`.
A legacy 15-digit number (address + `YYMMDD` + sequence, no check character) converts by
inserting `19` after the address code and computing the check character.

Every check here works on the normalised number: spellings the normaliser repairs (lowercase x,
full-width digits, spaces, a legacy 15-digit number) are not issues; what it cannot repair is.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipelines.standards.text import (
    _HALFWIDTH_TABLE,
    _as_text,
    is_missing,
    remove_whitespace,
    strip_excel_text_marks,
)

ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK_CHARS = "10X98765432"
# Birth years before this are not real birth dates on record (the standard's oldest worked
# example is 1880); it also keeps dates inside what every engine's date type can hold.
MIN_BIRTH_YEAR = 1800

# An Excel cell that turned an 18-digit number into a float and showed it in scientific
# notation (`3.71503E+17`): the lost digits cannot be recovered.
SCIENTIFIC_RE = re.compile(r"^[0-9](?:\.[0-9]+)?[Ee][+]?[0-9]+$")
_SHAPE_18_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_DIGITS_15_RE = re.compile(r"^[0-9]{15}$")
_CHARS_RE = re.compile(r"^[0-9]*X?$")

ID_ISSUES = (
    "empty",
    "scientific_notation",
    "bad_characters",
    "bad_length",
    "bad_checksum",
    "bad_birth_date",
    "future_birth_date",
)


def id_check_char(body17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of a 17-digit body.

    Examples:
        >>> id_check_char("11010519491231002")
        'X'
    """
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError(f"an identity number body is 17 digits, got {body17!r}")
    total = sum(int(ch) * w for ch, w in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def clean_id_text(raw: Any) -> str | None:
    """The cleaning half of `normalise_id_number`: no 15 -> 18 conversion."""
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    text = strip_excel_text_marks(remove_whitespace(text.translate(_HALFWIDTH_TABLE)))
    return text.replace("x", "X") or None


def normalise_id_number(raw: Any) -> str | None:
    """The canonical 18-character form of an identity number, or the cleaned text when it has none.

    Cleaning: trim, remove every whitespace (ideographic spaces included), full-width to
    half-width, drop Excel's leading `'` or `="..."` wrapper, lowercase `x` to `X`; missing-value spellings (空, 无,
    NULL, -, ...) give None. A 15-digit legacy number becomes 18 digits (`19` inserted after the
    address code, check character computed). Anything else is returned cleaned but otherwise
    unchanged, so that `id_number_issue` can say what is wrong with it: in particular
    scientific notation (`3.71503E+17`) is not recoverable and is never "repaired".

    Examples:
        >>> normalise_id_number(" 150102880730303 ")
        '150102198807303035'
    """
    text = clean_id_text(raw)
    if text is None:
        return None
    if _DIGITS_15_RE.match(text):
        body = text[:6] + "19" + text[6:]
        return body + id_check_char(body)
    return text


def _birth_date_of(number: str) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born.year >= MIN_BIRTH_YEAR else None


def _default_as_of() -> date:
    from pipelines.settings import get_settings

    return get_settings().as_of


def id_number_issue(value: Any, as_of: date | None = None) -> str | None:
    """Why an identity number is not valid, or None when it is.

    Reason codes, in the order they are tested: `empty` (missing), `scientific_notation`
    (Excel damage, digits lost), `bad_characters` (anything but digits and a final X),
    `bad_length` (not 18 digits after 15 -> 18 conversion), `bad_checksum` (GB 11643 check
    character wrong: a typo or transposition), `bad_birth_date` (not a real calendar date, or
    before 1800), `future_birth_date` (after `as_of`). `as_of` defaults to the settings' as-of
    date (never the clock). An age over 120 is not an issue (the standard's worked example
    440524188001010014 is valid). The address code is not checked here: it must be checked
    against every code that ever existed (see `division.py`).
    """
    number = normalise_id_number(value)
    if number is None:
        return "empty"
    if SCIENTIFIC_RE.match(number):
        return "scientific_notation"
    if not _CHARS_RE.match(number):
        return "bad_characters"
    if len(number) != 18:
        return "bad_length"
    if id_check_char(number[:17]) != number[17]:
        return "bad_checksum"
    born = _birth_date_of(number)
    if born is None:
        return "bad_birth_date"
    if born > (as_of or _default_as_of()):
        return "future_birth_date"
    return None


def is_valid_id_number(value: Any, as_of: date | None = None) -> bool:
    """True when the (normalised) number has a correct check character and a real birth date not after `as_of`.

    A legacy 15-digit number is valid when its birth date is real (it has no check character).
    Permanent-residence IDs of foreigners (2023, leading `9`) pass the same checks.
    """
    return id_number_issue(value, as_of) is None


def _shaped(value: Any) -> str | None:
    number = normalise_id_number(value)
    return number if number is not None and _SHAPE_18_RE.match(number) else None


def id_birth_date(value: Any) -> date | None:
    """The birth date a number carries (positions 7-14), whatever its check character says.

    None unless the normalised number has the 18-character shape (17 digits + digit or X) and
    the date is a real calendar date from 1800 on. The date is returned even when it lies after
    the as-of date: it is what the number says; `id_number_issue` judges it.
    """
    number = _shaped(value)
    return None if number is None else _birth_date_of(number)


def id_gender(value: Any) -> str | None:
    """GB/T 2261.1 sex code from the sequence digit (position 17): odd `1` male, even `2` female.

    None unless the normalised number has the 18-character shape; the check character is not
    required to be right.
    """
    number = _shaped(value)
    if number is None:
        return None
    return "1" if int(number[16]) % 2 == 1 else "2"


def id_address_code(value: Any) -> str | None:
    """The 6-digit GB/T 2260 address code (positions 1-6) of a normalised 18-character number."""
    number = _shaped(value)
    return None if number is None else number[:6]
