"""Telephone numbers (China, ITU-T E.164 country code 86).

Canonical form: digits only, no country code. Mobiles are 11 digits `1[3-9]xxxxxxxxx`;
landlines keep their long-distance area code with the trunk `0`: `0635` + 7-8 digits for
Liaocheng (`06358512345`), 3-digit area codes (`010`, `02x`) + 8 digits elsewhere; 400/800
service numbers are 10 digits. Digits only was chosen over `0635-8512345` because it is one
form for every kind of number, so records compare by equality.

Cleaning: half-width, whitespace, `-`, `—`, brackets removed; a `+86`/`0086` prefix dropped (a
landline written internationally gets its trunk `0` back), `86` dropped before an 11-digit
mobile, a `0` dialled before a mobile dropped, an area code written before a mobile dropped
(`0635 13098365778` is the mobile `13098365778`: a mobile has no area code, and 14-15 digits
are never a landline); a bare 7-8 digit local number gets the default area code. Anything else
is kept cleaned so the check can flag it.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.standards.id_number import SCIENTIFIC_RE
from pipelines.standards.text import (
    _HALFWIDTH_TABLE,
    _as_text,
    is_missing,
    remove_whitespace,
    strip_excel_text_marks,
)

# Liaocheng's long-distance area code. The county profile has no area code yet; callers serving
# another city pass `area_code=`.
DEFAULT_AREA_CODE = "0635"

PHONE_SEPARATORS_PATTERN = r"[-—()]"
_SEPARATORS_RE = re.compile(PHONE_SEPARATORS_PATTERN)
MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"
LANDLINE_PATTERN = r"^(?:0(?:10|2[0-9])[0-9]{8}|0[3-9][0-9]{2}[0-9]{7,8})$"
SERVICE_PATTERN = r"^[48]00[0-9]{7}$"
# An area code (010, 02x or 0xxx) followed by a whole mobile: group 1 is the mobile.
AREA_CODE_MOBILE_PATTERN = r"^0(?:10|2[0-9]|[3-9][0-9]{2})(1[3-9][0-9]{9})$"
_AREA_CODE_MOBILE_RE = re.compile(AREA_CODE_MOBILE_PATTERN)
_VALID_RE = re.compile("|".join([MOBILE_PATTERN, LANDLINE_PATTERN, SERVICE_PATTERN]))

PHONE_ISSUES = ("empty", "scientific_notation", "bad_characters", "bad_prefix", "bad_length")


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def normalise_phone(raw: Any, area_code: str = DEFAULT_AREA_CODE) -> str | None:
    """The canonical digits-only form of a phone number (see the module notes); missing -> None."""
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    text = strip_excel_text_marks(
        _SEPARATORS_RE.sub("", remove_whitespace(text.translate(_HALFWIDTH_TABLE)))
    )
    if text.startswith("+86"):
        text = text[3:]
        text = text if text.startswith(("0", "1")) else "0" + text
    elif text.startswith("0086"):
        text = text[4:]
        text = text if text.startswith(("0", "1")) else "0" + text
    elif len(text) == 13 and text.startswith("861") and _digits(text):
        text = text[2:]
    if len(text) == 12 and text.startswith("01") and _digits(text) and text[2] in "3456789":
        text = text[1:]
    area_code_mobile = _AREA_CODE_MOBILE_RE.match(text)
    if area_code_mobile:
        text = area_code_mobile.group(1)
    if len(text) in (7, 8) and _digits(text) and text[0] in "23456789":
        text = area_code + text
    return text or None


def phone_issue(value: Any, area_code: str = DEFAULT_AREA_CODE) -> str | None:
    """Why a phone number is not valid, or None when it is.

    Reason codes: `empty`, `scientific_notation` (`1.38123E+10`), `bad_characters` (letters,
    several numbers in one cell joined by `/` or `,`), `bad_prefix` (11 digits starting with
    1 but not a mobile prefix 13-19, or not starting with 0/1/400/800), `bad_length`.
    """
    number = normalise_phone(value, area_code)
    if number is None:
        return "empty"
    if SCIENTIFIC_RE.match(number):
        return "scientific_notation"
    if not _digits(number):
        return "bad_characters"
    if _VALID_RE.match(number):
        return None
    if number[0] == "1" and len(number) == 11:
        return "bad_prefix"
    if number[0] not in "0148":
        return "bad_prefix"
    return "bad_length"


def is_valid_phone(value: Any, area_code: str = DEFAULT_AREA_CODE) -> bool:
    """True for a mobile, landline or 400/800 number in canonical form after normalisation."""
    return phone_issue(value, area_code) is None
