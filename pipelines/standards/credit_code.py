"""Unified social credit code (统一社会信用代码), GB 32100-2015, and the organisation code
(组织机构代码), GB 11714-1997, embedded in it.

Layout of the 18 characters: position 1 registration authority, 2 organisation category,
3-8 administrative division code of the registering authority, 9-17 organisation code (its last
character is its own GB 11714 check character), 18 check character.

- 18th character: character set `0123456789ABCDEFGHJKLMNPQRTUWXY` (31 characters, no I O S V Z),
  weights `3^(i-1) mod 31` for positions 1..17, check value `31 - (sum mod 31)` (31 means 0),
  mapped back through the character set.
- Organisation code check (GB 11714) over 8 body characters (digits 0-9, letters A-Z = 10-35),
  weights `3 7 9 10 5 8 4 2`; C9 = `11 - (sum mod 11)`, 10 -> `X`, 11 -> `0`.

Some early pilot codes in genuine use fail the checksum (`91350100M0001TGQXM`): a failure is a
finding for review, never a reason to drop a record.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.standards.id_number import SCIENTIFIC_RE
from pipelines.standards.text import (
    _HALFWIDTH_TABLE,
    _as_text,
    ascii_upper,
    is_missing,
    remove_whitespace,
    strip_excel_text_marks,
)

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}
CREDIT_CODE_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
# 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28

ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_VALUES = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}}

# Registration authority + organisation category (first two characters), the common ones.
CREDIT_CODE_CATEGORIES: dict[str, str] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他（机构编制）",
    "21": "外国常驻新闻机构",
    "29": "其他（外交）",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他（司法行政）",
    "41": "外国文化中心",
    "49": "其他（文化）",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他（民政）",
    "61": "外国旅游部门常驻代表机构",
    "69": "其他（旅游）",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他（宗教）",
    "81": "基层工会",
    "89": "其他（工会）",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他（中央军委改革和编制办公室）",
    "N1": "农村集体经济组织（组级）",
    "N2": "农村集体经济组织（村级）",
    "N3": "农村集体经济组织（乡镇级）",
    "N9": "其他（农业）",
    "Y1": "其他",
}

_CREDIT_CHARS_RE = re.compile("^[" + CREDIT_CODE_CHARSET + "]*$")
_CREDIT_SHAPE_RE = re.compile("^[" + CREDIT_CODE_CHARSET + "]{18}$")
_ORG_CODE_RE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")

CREDIT_CODE_ISSUES = (
    "empty",
    "scientific_notation",
    "bad_characters",
    "bad_length",
    "bad_checksum",
    "bad_org_code",
)


def _clean(raw: Any) -> str | None:
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    text = strip_excel_text_marks(remove_whitespace(text.translate(_HALFWIDTH_TABLE)))
    return ascii_upper(text) or None


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body.

    Examples:
        >>> org_code_check_char("D2143569")
        'X'
    """
    if len(body8) != 8 or any(ch not in ORG_CODE_VALUES for ch in body8):
        raise ValueError(f"an organisation code body is 8 digits or capital letters, got {body8!r}")
    total = sum(ORG_CODE_VALUES[ch] * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def normalise_org_code(raw: Any) -> str | None:
    """An organisation code as 9 characters without the hyphen (`D2143569-X` -> `D2143569X`).

    Trimmed, whitespace removed, half-width, ASCII upper case; the one hyphen allowed is the one
    before the check character. Other text is returned cleaned; missing -> None.
    """
    text = _clean(raw)
    if text is not None and len(text) == 10 and text[8] == "-":
        return text[:8] + text[9]
    return text


def is_valid_org_code(value: Any) -> bool:
    """True for a 9-character GB 11714 organisation code whose check character is right.

    Accepts the printed form with a hyphen before the check character (`D2143569-X`).
    """
    code = normalise_org_code(value)
    return code is not None and bool(_ORG_CODE_RE.match(code)) and org_code_check_char(code[:8]) == code[8]


def credit_code_check_char(body17: str) -> str:
    """The GB 32100 18th (check) character of a 17-character body.

    Examples:
        >>> credit_code_check_char("91310110666007217")
        'T'
    """
    if len(body17) != 17 or any(ch not in CREDIT_CODE_VALUES for ch in body17):
        raise ValueError(f"a credit code body is 17 characters of {CREDIT_CODE_CHARSET}, got {body17!r}")
    total = sum(CREDIT_CODE_VALUES[ch] * w for ch, w in zip(body17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: Any) -> str | None:
    """A credit code trimmed, without any whitespace, half-width and in ASCII upper case.

    Missing-value spellings give None. Nothing else is changed (no guessing O -> 0 or I -> 1):
    the check says what is wrong.
    """
    return _clean(raw)


def credit_code_issue(value: Any) -> str | None:
    """Why a credit code is not valid, or None when it is.

    Reason codes, in the order tested: `empty`, `scientific_notation` (an all-digit code Excel
    turned into a float), `bad_characters` (outside the 31-character set: I, O, S, V, Z,
    punctuation), `bad_length` (not 18), `bad_checksum` (18th character wrong), `bad_org_code`
    (the embedded GB 11714 organisation code's own check character wrong).
    """
    code = normalise_credit_code(value)
    if code is None:
        return "empty"
    if SCIENTIFIC_RE.match(code):
        return "scientific_notation"
    if not _CREDIT_CHARS_RE.match(code):
        return "bad_characters"
    if len(code) != 18:
        return "bad_length"
    if credit_code_check_char(code[:17]) != code[17]:
        return "bad_checksum"
    if org_code_check_char(code[8:16]) != code[16]:
        return "bad_org_code"
    return None


def is_valid_credit_code(value: Any) -> bool:
    """True when both check levels pass: the 18th character and the embedded organisation code."""
    return credit_code_issue(value) is None


def _shaped(value: Any) -> str | None:
    code = normalise_credit_code(value)
    return code if code is not None and _CREDIT_SHAPE_RE.match(code) else None


def credit_code_org_code(value: Any) -> str | None:
    """The 9-character organisation code (positions 9-17) of an 18-character code, checks aside."""
    code = _shaped(value)
    return None if code is None else code[8:17]


def credit_code_division(value: Any) -> str | None:
    """The 6-digit division code of the registering authority (positions 3-8), or None."""
    code = _shaped(value)
    return code[2:8] if code is not None and code[2:8].isdigit() else None


def credit_code_category(value: Any) -> str | None:
    """Registration authority + organisation category (positions 1-2, e.g. `91` enterprise).

    Its Chinese name is `CREDIT_CODE_CATEGORIES[category]` when it is one of the listed ones.
    """
    code = _shaped(value)
    return None if code is None else code[:2]
