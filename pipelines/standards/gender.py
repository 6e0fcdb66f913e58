"""Sex of a person, GB/T 2261.1-2003 (人的性别代码): `0` unknown, `1` male, `2` female,
`9` not stated.

Departments deliver 男/女, 1/2, M/F, male/female, 男性/女性, and the full-width forms of these;
`normalise_gender` maps them all to the code. It is the same code `id_gender` derives from an
identity number, so the two can be compared directly.
"""

from __future__ import annotations

from typing import Any

from pipelines.standards.text import _HALFWIDTH_TABLE, _as_text, is_missing, remove_whitespace

GENDER_CODES: dict[str, str] = {
    "0": "0",
    "未知的性别": "0",
    "1": "1",
    "男": "1",
    "男性": "1",
    "m": "1",
    "male": "1",
    "2": "2",
    "女": "2",
    "女性": "2",
    "f": "2",
    "female": "2",
    "9": "9",
    "未说明的性别": "9",
    "未说明": "9",
}
GENDER_NAMES = {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}


def gender_key(text: str) -> str:
    """The lookup key of a delivered value: half-width, no whitespace, ASCII lower case."""
    return remove_whitespace(text.translate(_HALFWIDTH_TABLE)).lower()


def normalise_gender(raw: Any) -> str | None:
    """The GB/T 2261.1 code of a delivered sex value; None when missing or not recognised.

    `不详`/`未知` are missing-value spellings (None), not the code `0`: they say nothing was
    recorded. Unrecognised values are None too; `gender_issue` tells the two apart.
    """
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    return GENDER_CODES.get(gender_key(text))


def gender_issue(raw: Any) -> str | None:
    """`empty` when missing, `unknown_value` when not a recognised spelling, else None."""
    if is_missing(raw):
        return "empty"
    return None if normalise_gender(raw) is not None else "unknown_value"
