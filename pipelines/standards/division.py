"""Administrative division codes of the county (GB/T 2260 county level; the statistics bureau's
township and village codes), always checked against one `CountyProfile`.

Levels: 6 digits county, 9 digits township (001-099 subdistricts 街道, 100-199 towns 镇, 200-399
townships 乡), 12 digits village (001-199 residents' committees 居委会, 200-399 villagers'
committees 村委会). The statistics bureau writes every level as 12 digits padded with zeros
(`371503000000` is the county, `371503101000` a town), so padded forms are read by level too.

A code is checked against every county code that has EVER been valid (Chiping: 372523, 372524,
371523, 371503): numbers issued before a renaming keep the old code. Township codes are matched
by their last three digits under any of the county's codes. Every function here is scoped to the
county: a code of another county is "not valid for this county", whatever it is elsewhere.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.settings import CountyProfile
from pipelines.standards.text import _HALFWIDTH_TABLE, _as_text, is_missing, remove_whitespace

_CODE_RE = re.compile(r"^(?:[0-9]{6}|[0-9]{9}|[0-9]{12})$")
VILLAGE_MIN, VILLAGE_MAX = 1, 399  # 001-199 居委会, 200-399 村委会


def clean_division_code(raw: Any) -> str | None:
    """Trimmed, whitespace removed, half-width; missing -> None. No other change."""
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    return remove_whitespace(text.translate(_HALFWIDTH_TABLE)) or None


def _parts(code: str) -> tuple[str, str | None, str | None]:
    """County, township and village parts of a well-formed code; zero padding means "no part"."""
    county = code[:6]
    township = code[6:9] if len(code) >= 9 and code[6:9] != "000" else None
    village = code[9:12] if len(code) == 12 and code[9:12] != "000" else None
    return county, township, village


def _lower_levels_valid(code: str, county: CountyProfile) -> bool:
    _, township, village = _parts(code)
    if township is None:
        return village is None
    if township not in {t.code[6:9] for t in county.townships}:
        return False
    return village is None or VILLAGE_MIN <= int(village) <= VILLAGE_MAX


def is_valid_county_division_code(code: Any, county: CountyProfile) -> bool:
    """True for a 6/9/12-digit division code inside `county`, under any code it ever had.

    The county part must be one of `county.all_codes`; a township part must be one of the
    profile's townships (by its last three digits); a village part must be 001-399. Zero-padded
    statistics codes count as the level they pad.
    """
    cleaned = clean_division_code(code)
    if cleaned is None or not _CODE_RE.match(cleaned):
        return False
    return cleaned[:6] in county.all_codes and _lower_levels_valid(cleaned, county)


def county_division_valid_in_year(code: Any, year: int, county: CountyProfile) -> bool:
    """True when the code is valid for `county` AND its county part was the county's code in `year`.

    Use it for codes that must be current at a date (a record made in `year`); an identity
    number's address code is checked with `is_valid_county_division_code` instead, since it
    keeps the code of its year of issue forever.
    """
    if not is_valid_county_division_code(code, county):
        return False
    cleaned = clean_division_code(code)
    assert cleaned is not None
    return any(h.code == cleaned[:6] and h.valid_in(year) for h in county.historic_codes) or (
        cleaned[:6] == county.code and not county.historic_codes
    )


def normalise_county_division_code(code: Any, county: CountyProfile) -> str | None:
    """The code with a historic county prefix replaced by the current one (371523101 -> 371503101).

    Only the county part is mapped; the length and the lower levels are kept. A code whose first
    six digits are not one of the county's codes is returned cleaned but unchanged, so the
    validity check can flag it; missing -> None.
    """
    cleaned = clean_division_code(code)
    if cleaned is None:
        return None
    if _CODE_RE.match(cleaned) and cleaned[:6] in county.all_codes:
        return county.code + cleaned[6:]
    return cleaned


def township_of(code: Any, county: CountyProfile) -> str | None:
    """The current 9-digit township code a valid 9- or 12-digit code of `county` lies in, else None."""
    if not is_valid_county_division_code(code, county):
        return None
    current = normalise_county_division_code(code, county)
    assert current is not None
    _, township, _ = _parts(current)
    return None if township is None else current[:9]
