"""Text cleaning shared by every standard: full-width forms, whitespace, missing values, Chinese
script, personal names, money amounts and name pronunciation keys.

Department extracts are hand-typed in Chinese input methods, so full-width digits and letters
(GB 2312 / Unicode Halfwidth and Fullwidth Forms block, U+FF01-U+FF5E), ideographic spaces
(U+3000) and traditional characters appear in otherwise clean columns. Every other standard
module cleans its input with the helpers here, and the Polars versions in `exprs.py` use the
same character tables, so that the scalar and vectorised paths agree character for character.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

# Whitespace handled everywhere (an explicit list, so Python and Polars/Rust strip exactly the
# same characters): ASCII whitespace, no-break spaces, the Unicode spaces U+2000-U+200A, line and
# paragraph separators, the ideographic space U+3000, and the invisible zero-width characters and
# byte-order mark that Excel and Windows tools leave behind.
WHITESPACE = (
    " \t\n\r\x0b\x0c\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"
)
WHITESPACE_CLASS = "[" + WHITESPACE + "]"
_WHITESPACE_RE = re.compile(WHITESPACE_CLASS)
_WHITESPACE_RUN_RE = re.compile(WHITESPACE_CLASS + "+")

# Full-width ASCII variants U+FF01-U+FF5E map to U+0021-U+007E; the ideographic space to a space.
FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
HALFWIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
_HALFWIDTH_TABLE = str.maketrans(dict(zip(FULLWIDTH, HALFWIDTH, strict=True)))

ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"
ASCII_UPPER = ASCII_LOWER.upper()
_ASCII_UPPER_TABLE = str.maketrans(ASCII_LOWER, ASCII_UPPER)

# Spellings of "no value" seen in department extracts, compared after half-width conversion,
# trimming and ASCII lower-casing. A cell holding one of these is missing, not a value.
MISSING_VALUES = frozenset(
    {
        "",
        "空",
        "无",
        "無",
        "暂无",
        "无数据",
        "不详",
        "未知",
        "不明",
        "(空)",
        "null",
        "none",
        "nil",
        "nan",
        "n/a",
        "na",
        "#n/a",
        "-",
        "--",
        "---",
        "—",
        "——",
        "/",
        "\\",
        "?",
        "??",
        "...",
        "…",
        "……",
    }
)

# Middle-dot variants typed between the parts of ethnic-minority and foreign names
# (阿卜杜拉·买买提): Latin middle dot, bullet, hyphenation point, katakana middle dot (full and
# half width), bullet operator, dot operator, and the ASCII and full-width full stops.
NAME_DOTS = ["\u00b7", "\u2022", "\u2027", "\u30fb", "\uff65", "\u2219", "\u22c5", ".", "\uff0e"]
NAME_DOT = "\u00b7"


def _as_text(raw: Any) -> str | None:
    """Accept text as delivered: str, or an int/float/Decimal a spreadsheet reader produced.

    Floats are shown exactly when they hold an integer below 2**53 (a 15-digit legacy ID read
    as a number) and otherwise in Python's repr, so an 18-digit ID that went through a float
    stays recognisably damaged (`3.715031990010112e+17`) instead of being silently rounded.
    NaN (pandas' missing value) is None.
    """
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        raise TypeError(f"expected text, got a boolean {raw!r}")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw != raw:  # NaN
            return None
        if raw.is_integer() and abs(raw) < 2**53:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    raise TypeError(f"expected text, got {type(raw).__name__}")


def to_halfwidth(raw: str | None) -> str | None:
    """Full-width ASCII forms (０-９, Ａ-Ｚ, ａ-ｚ, punctuation) and U+3000 to their ASCII forms."""
    text = _as_text(raw)
    return None if text is None else text.translate(_HALFWIDTH_TABLE)


def ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only (Unicode case rules differ between Python and Rust)."""
    return text.translate(_ASCII_UPPER_TABLE)


def strip_whitespace(text: str) -> str:
    """Trim the characters in WHITESPACE from both ends."""
    return text.strip(WHITESPACE)


def remove_whitespace(text: str) -> str:
    """Remove every character in WHITESPACE, wherever it is (codes never contain spaces)."""
    return _WHITESPACE_RE.sub("", text)


def strip_excel_text_marks(text: str) -> str:
    """A code without the marks spreadsheets use to keep it text: a leading `'` (typed into a
    cell), or the formula `="..."` (CSV exports meant for Excel, so that a long number keeps its
    digits). Applied after whitespace is removed and full-width forms are made half-width."""
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    return text[1:] if text.startswith("'") else text


def is_missing(raw: Any) -> bool:
    """True for None, NaN, blank text, and the usual spellings of "no value" (空, 无, NULL, N/A, -, /, 不详, ...).

    Comparison is after half-width conversion, trimming and ASCII lower-casing, so `ＮＵＬＬ`,
    ` null ` and `Null` are all missing. The values themselves are listed in MISSING_VALUES.
    """
    text = _as_text(raw)
    if text is None:
        return True
    cleaned = strip_whitespace(text.translate(_HALFWIDTH_TABLE)).lower()
    return cleaned in MISSING_VALUES


@lru_cache(maxsize=1)
def _t2s() -> Any:
    """The OpenCC traditional-to-simplified converter (loading its dictionaries takes ~0.3 s)."""
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_trigger_chars() -> frozenset[str]:
    """Characters whose presence can make OpenCC t2s change a string.

    Every key of TSCharacters, plus every character of the TSPhrases keys that hold no
    TSCharacters key. A string without any of these matches no dictionary entry, so OpenCC
    returns it unchanged: the vectorised path sends only strings with one of them to OpenCC.
    """
    from importlib.resources import files

    folder = files("opencc") / "dictionary"
    chars: set[str] = set()
    for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            chars.update(line.split("\t", 1)[0])
    for line in (folder / "TSPhrases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            key = line.split("\t", 1)[0]
            if not any(ch in chars for ch in key):
                chars.update(key)
    return frozenset(chars)


def to_simplified(raw: str | None) -> str | None:
    """Traditional Chinese to simplified (OpenCC `t2s`, phrase-aware: 乾隆 keeps 乾, 乾燥 -> 干燥)."""
    text = _as_text(raw)
    if text is None:
        return None
    triggers = traditional_trigger_chars()
    if not any(ch in triggers for ch in text):
        return text
    return str(_t2s().convert(text))


def normalise_text(raw: Any) -> str | None:
    """Generic free text: half-width, whitespace runs to one space, trimmed; missing -> None.

    Script (traditional/simplified) is left alone: free text is kept as written; names go
    through `normalise_name`, which does convert.
    """
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    return strip_whitespace(_WHITESPACE_RUN_RE.sub(" ", text.translate(_HALFWIDTH_TABLE)))


# The same pattern text serves Python's `re` and Polars' Rust regex (no character needs escaping).
NAME_DOTS_PATTERN = "[" + "".join(NAME_DOTS) + "]+"
_NAME_DOTS_RE = re.compile(NAME_DOTS_PATTERN)


def normalise_name(raw: Any) -> str | None:
    """A person's or organisation's name as one canonical string for comparison and display.

    Half-width, every whitespace removed (Chinese names have no spaces; `张　三` is 张三), the
    middle-dot variants of ethnic-minority and foreign names unified to `·` (runs collapsed,
    none at the ends), traditional characters converted to simplified; missing -> None.
    Latin letters keep their case.
    """
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    text = remove_whitespace(text.translate(_HALFWIDTH_TABLE))
    text = _NAME_DOTS_RE.sub(NAME_DOT, text).strip(NAME_DOT)
    if not text:
        return None
    simplified = to_simplified(text)
    assert simplified is not None
    return simplified


# Money units: the multiplier to yuan.
AMOUNT_UNITS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "万": Decimal(10000),
    "亿元": Decimal(100000000),
    "亿": Decimal(100000000),
}
AMOUNT_PATTERN = r"^(?:人民币|RMB|CNY|¥|￥)?([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(千元|万元|亿元|万|亿|元)?(?:整)?$"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def parse_amount(raw: Any, unit: str = "元", assumed_unit: str = "元") -> Decimal | None:
    """A money amount in `unit` (元, 千元, 万元, 亿元), or None when missing or not a number.

    Accepts thousands separators (`1,234.50`, `1，234`), full-width digits, spaces, a currency
    prefix (¥, ￥, RMB, CNY, 人民币) and a unit suffix (元, 千元, 万元/万, 亿元/亿, optional 整).
    A bare number is taken to be in `assumed_unit`: penalty amounts (罚款金额) are delivered in
    万元 by the 双公示 standard, so their staging passes `assumed_unit="万元"`. The result is exact
    (Decimal arithmetic); `1.5万元` in yuan is 15000.
    """
    if unit not in AMOUNT_UNITS or assumed_unit not in AMOUNT_UNITS:
        raise ValueError(f"unknown money unit {unit!r} or {assumed_unit!r}; use one of {sorted(AMOUNT_UNITS)}")
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    text = remove_whitespace(text.translate(_HALFWIDTH_TABLE)).replace(",", "").replace("，", "")
    match = _AMOUNT_RE.match(ascii_upper(text))
    if match is None:
        return None
    try:
        value = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return None
    source = match.group(2) or assumed_unit
    return value * AMOUNT_UNITS[source] / AMOUNT_UNITS[unit]


# Surnames whose everyday reading differs from pypinyin's default or that have several readings.
# Compound surnames first (two characters), then single ones. Readings without tones.
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "欧阳": ("ouyang",),
    "司马": ("sima",),
    "上官": ("shangguan",),
    "诸葛": ("zhuge",),
    "东方": ("dongfang",),
    "皇甫": ("huangfu",),
    "尉迟": ("yuchi",),
    "长孙": ("zhangsun",),
    "万俟": ("moqi",),
    "令狐": ("linghu",),
    "慕容": ("murong",),
    "夏侯": ("xiahou",),
    "公孙": ("gongsun",),
    "司徒": ("situ",),
    "司空": ("sikong",),
    "宇文": ("yuwen",),
    "单于": ("chanyu",),
    "澹台": ("tantai",),
    "端木": ("duanmu",),
    "轩辕": ("xuanyuan",),
    "呼延": ("huyan",),
    "西门": ("ximen",),
    "南宫": ("nangong",),
    "闻人": ("wenren",),
    "拓跋": ("tuoba",),
    "百里": ("baili",),
    "东郭": ("dongguo",),
}
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan", "dan"),
    "曾": ("zeng", "ceng"),
    "解": ("xie", "jie"),
    "区": ("ou", "qu"),
    "仇": ("qiu", "chou"),
    "朴": ("piao", "pu"),
    "查": ("zha", "cha"),
    "盖": ("ge", "gai"),
    "乐": ("yue", "le"),
    "覃": ("qin", "tan"),
    "尉": ("wei", "yu"),
    "种": ("chong", "zhong"),
    "繁": ("po", "fan"),
    "黑": ("he", "hei"),
    "召": ("shao", "zhao"),
    "缪": ("miao", "mou"),
    "员": ("yun", "yuan"),
    "祭": ("zhai", "ji"),
    "隗": ("wei", "kui"),
    "翟": ("zhai", "di"),
    "句": ("gou", "ju"),
    "秘": ("bi", "mi"),
    "折": ("she", "zhe"),
    "柏": ("bai", "bo"),
    "车": ("che", "ju"),
    "么": ("yao", "me"),
    "宿": ("su", "xiu"),
    "沈": ("shen",),
    "任": ("ren",),
    "华": ("hua",),
    "纪": ("ji",),
    "薄": ("bo",),
    "吕": ("lv",),
    "阚": ("kan",),
    "眭": ("sui",),
    "藉": ("ji",),
    "长": ("chang", "zhang"),
    "重": ("chong", "zhong"),
    "万": ("wan", "mo"),
    "石": ("shi",),
    "葛": ("ge",),
    "郇": ("xun", "huan"),
    "谌": ("chen", "shen"),
    "过": ("guo",),
    "应": ("ying",),
}


def _given_name_reading(chars: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(chars, style=Style.NORMAL, errors=lambda s: list(s.lower()))).lower()


def name_pinyin_keys(name: Any) -> list[str]:
    """Every plausible toneless pinyin spelling of a full name, for matching names by sound.

    The surname gets every reading it has as a surname (单 shan/dan, 曾 zeng/ceng, 解 xie/jie,
    区 ou/qu, 仇 qiu/chou, 朴 piao/pu, 查 zha/cha, 盖 ge/gai, 乐 yue/le, 覃 qin/tan, 尉迟 yuchi,
    ...; 吕 is `lv`), because pypinyin's default reading of surnames is often wrong and clerks
    type the reading they hear. A name starting with a compound surname also gets the readings
    of its first character as a single surname. The given name uses pypinyin's phrase-aware
    default reading. Middle dots are dropped; Latin letters are lower-cased. Keys are unique,
    the most likely first. An empty/missing name has no keys.
    """
    cleaned = normalise_name(name)
    if cleaned is None:
        return []
    text = cleaned.replace(NAME_DOT, "")
    if not text:
        return []
    options: list[tuple[tuple[str, ...], str]] = []
    if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
        options.append((COMPOUND_SURNAMES[text[:2]], text[2:]))
    first = text[0]
    first_readings = SURNAME_READINGS.get(first) or (_given_name_reading(first),)
    options.append((first_readings, text[1:]))
    keys: list[str] = []
    for readings, rest in options:
        rest_reading = _given_name_reading(rest) if rest else ""
        for surname, given in itertools.product(readings, [rest_reading]):
            key = surname + given
            if key not in keys:
                keys.append(key)
    return keys
