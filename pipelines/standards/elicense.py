"""Electronic licence identifier (电子证照标识), GB/T 36901-2018 / GB/T 36902.

Layout: `1.2.156.3005.2.{type code}.{issuer code}.{serial}.{3-digit version}.{check}`. The check
character is ISO 7064 MOD 37,36 (hybrid system, alphabet 0-9 A-Z) over the type code, issuer
code, serial and version joined without separators. The standards note marks the algorithm as
verified on 4 of 5 public identifiers, so the tests compare it with python-stdnum's
`iso7064.mod_37_36` as well.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.standards.text import _HALFWIDTH_TABLE, _as_text, ascii_upper, is_missing, remove_whitespace

ELICENSE_PREFIX = "1.2.156.3005.2."
ELICENSE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES = {ch: i for i, ch in enumerate(ELICENSE_ALPHABET)}
_MODULUS = len(ELICENSE_ALPHABET)  # 36
_PART_RE = re.compile(r"^[0-9A-Z]+$")
_VERSION_RE = re.compile(r"^[0-9]{3}$")


def elicense_check_char(payload: str) -> str:
    """ISO 7064 MOD 37,36 check character of `payload` (type + issuer + serial + version).

    Hybrid system: p starts at 36; for each character p = ((p + value) mod 36, 0 read as 36)
    * 2 mod 37; the check value makes the final (p + check) mod 36 equal 1.
    """
    text = ascii_upper(payload)
    if not text or any(ch not in _VALUES for ch in text):
        raise ValueError(f"an e-licence payload is digits and letters A-Z, got {payload!r}")
    p = _MODULUS
    for ch in text:
        p = (p + _VALUES[ch]) % _MODULUS or _MODULUS
        p = p * 2 % (_MODULUS + 1)
    return ELICENSE_ALPHABET[(_MODULUS + 1 - p) % _MODULUS]


def normalise_elicense_id(raw: Any) -> str | None:
    """Trimmed, whitespace removed, half-width, ASCII upper case; missing -> None."""
    if is_missing(raw):
        return None
    text = _as_text(raw)
    assert text is not None
    return ascii_upper(remove_whitespace(text.translate(_HALFWIDTH_TABLE))) or None


def elicense_parts(identifier: Any) -> dict[str, str] | None:
    """The parts of a well-formed identifier (type, issuer, serial, version, check), else None."""
    text = normalise_elicense_id(identifier)
    if text is None or not text.startswith(ELICENSE_PREFIX):
        return None
    parts = text[len(ELICENSE_PREFIX) :].split(".")
    if len(parts) != 5 or not all(_PART_RE.match(p) for p in parts):
        return None
    type_code, issuer, serial, version, check = parts
    if not _VERSION_RE.match(version) or len(check) != 1:
        return None
    return {"type": type_code, "issuer": issuer, "serial": serial, "version": version, "check": check}


def is_valid_elicense_id(identifier: Any) -> bool:
    """True for a well-formed GB/T 36901 licence identifier whose MOD 37,36 check character is right."""
    parts = elicense_parts(identifier)
    if parts is None:
        return False
    payload = parts["type"] + parts["issuer"] + parts["serial"] + parts["version"]
    return elicense_check_char(payload) == parts["check"]
