"""Vectorised check characters (GB 11643 ID numbers, GB 32100 credit codes, GB 11714 codes).

The generator computes hundreds of thousands of check characters per run, so these work on whole
NumPy arrays of code bodies at once; the project's standards module validates single values and is
what the tests use to confirm the results independently.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
ID_CHECK_MAP = np.array(list("10X98765432"))

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

_USCC_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i
_ORG_VALUE = np.full(128, -1, dtype=np.int64)
for _i in range(10):
    _ORG_VALUE[ord(str(_i))] = _i
for _i in range(26):
    _ORG_VALUE[ord("A") + _i] = 10 + _i


def _as_codes(bodies: npt.ArrayLike, width: int) -> npt.NDArray[np.int64]:
    """ASCII code points of fixed-width bodies, one row per body."""
    arr = np.asarray(bodies, dtype=f"S{width}")
    return np.frombuffer(arr.tobytes(), dtype=np.uint8).reshape(-1, width).astype(np.int64)


def id_check_chars(bodies: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ISO 7064 MOD 11-2 check character of each 17-digit ID-number body."""
    digits = _as_codes(bodies, 17) - ord("0")
    remainder = (digits @ ID_WEIGHTS) % 11
    return ID_CHECK_MAP[remainder]


def org_code_check_chars(bodies: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """GB 11714 check character of each 8-character organisation-code body."""
    values = _ORG_VALUE[_as_codes(bodies, 8)]
    check = 11 - (values @ ORG_WEIGHTS) % 11
    out = check.astype(str).astype("U1")
    out[check == 10] = "X"
    out[check == 11] = "0"
    return out


def uscc_check_chars(bodies: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """GB 32100 check character of each 17-character credit-code body."""
    values = _USCC_VALUE[_as_codes(bodies, 17)]
    check = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    return np.array(list(USCC_ALPHABET))[check]
