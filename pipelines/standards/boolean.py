"""Yes/no values (是否 columns) as departments deliver them: 是/否, 有/无, Y/N, yes/no, true/false,
T/F, 1/0, √/×.

In a yes/no column `无` ("none") means no, so it is read as False here although it is a
missing-value spelling elsewhere; the other missing-value spellings (空, NULL, -, 不详, ...)
give None, as do unrecognised values.
"""

from __future__ import annotations

from typing import Any

from pipelines.standards.text import _HALFWIDTH_TABLE, _as_text, remove_whitespace

BOOLEAN_VALUES: dict[str, bool] = {
    "是": True,
    "有": True,
    "y": True,
    "yes": True,
    "true": True,
    "t": True,
    "1": True,
    "√": True,
    "✓": True,
    "否": False,
    "无": False,
    "無": False,
    "没有": False,
    "n": False,
    "no": False,
    "false": False,
    "f": False,
    "0": False,
    "×": False,
    "✗": False,
}


def boolean_key(text: str) -> str:
    """The lookup key of a delivered value: half-width, no whitespace, ASCII lower case."""
    return remove_whitespace(text.translate(_HALFWIDTH_TABLE)).lower()


def normalise_boolean(raw: Any) -> bool | None:
    """True/False for a recognised yes/no spelling, None when missing or unrecognised."""
    if isinstance(raw, bool):
        return raw
    text = _as_text(raw)
    if text is None:
        return None
    key = boolean_key(text)
    return BOOLEAN_VALUES.get(key)
