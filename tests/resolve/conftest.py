"""Small crafted data for the resolver's tests.

`background_persons()` is a few hundred ordinary, tidy records of ordinary residents (each in
two or three sources), so that the unsupervised model has something to learn from; each test
adds the handful of records of its trap and checks only those.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from pipelines.resolve.model import ORG_COLUMNS, PERSON_COLUMNS, PERSON_OPTIONAL_COLUMNS

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id18(body17: str) -> str:
    """A checksum-valid ID number from its 17-digit body (test helper, GB 11643 check char)."""
    return body17 + ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def frame(rows: list[dict[str, Any]], kind: str = "persons") -> pl.DataFrame:
    """Records from dicts; missing columns are null."""
    cols = (*PERSON_COLUMNS, *PERSON_OPTIONAL_COLUMNS) if kind == "persons" else ORG_COLUMNS
    return pl.DataFrame([{c: row.get(c) for c in cols} for row in rows], schema=dict.fromkeys(cols, pl.String))


SURNAMES = "王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施孔曹严华金魏陶姜"
GIVEN = "春夏秋冬梅兰竹菊山水云风雷电光明海江河湖星月日辰金木火土石玉"


def background_persons(n_people: int = 150, seed: int = 7) -> pl.DataFrame:
    """Tidy records of `n_people` distinct residents, each in two or three sources."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_people):
        name = SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))] + GIVEN[rng.integers(len(GIVEN))]
        year = int(rng.integers(1940, 2015))
        month = int(rng.integers(1, 13))
        day = int(rng.integers(1, 29))
        dob = f"{year}{month:02d}{day:02d}"
        seq = f"{int(rng.integers(100, 999)):03d}"
        number = id18("371523" + dob + seq)
        phone = "13" + "".join(str(d) for d in rng.integers(0, 10, 9))
        address = f"博平镇{GIVEN[p % len(GIVEN)]}庄村{p + 1}号"
        for k in range(int(rng.integers(2, 4))):
            rows.append(
                {
                    "source": ("bg_hukou", "bg_shebao", "bg_power")[k],
                    "record_id": f"bg{p}-{k}",
                    "name": name,
                    "id_number": number if k != 2 else None,
                    "gender": "1" if int(seq[2]) % 2 else "2",
                    "birth_date": f"{year}-{month:02d}-{day:02d}",
                    "phone": phone,
                    "address": address,
                }
            )
    return frame(rows)


ORG_WORDS = "华信德恒鑫源泰达宏盛兴隆祥瑞嘉和丰利通安康永昌金海天成"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(body: str) -> str:
    """A valid unified social credit code from category+division (8) and an 8-digit org body."""
    org_weights = [3, 7, 9, 10, 5, 8, 4, 2]
    org_body = body[8:16]
    c9 = 11 - sum(int(ch) * w for ch, w in zip(org_body, org_weights, strict=True)) % 11
    org_check = "X" if c9 == 10 else "0" if c9 == 11 else str(c9)
    b17 = body[:16] + org_check
    total = sum(USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(b17))
    return b17 + USCC_CHARS[(31 - total % 31) % 31]


def background_orgs(n_orgs: int = 120, seed: int = 9) -> pl.DataFrame:
    """Tidy records of `n_orgs` distinct organisations, each in two or three sources."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(n_orgs):
        core = "".join(ORG_WORDS[i] for i in rng.integers(0, len(ORG_WORDS), 2))
        name = f"茌平县{core}商贸有限公司"
        code = uscc("91371523" + "".join(str(d) for d in rng.integers(0, 10, 8)))
        rep = SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))]
        for k in range(int(rng.integers(2, 4))):
            rows.append(
                {
                    "source": ("bg_registry", "bg_tax", "bg_power")[k],
                    "record_id": f"bo{o}-{k}",
                    "name": name,
                    "uscc": code if k != 2 else None,
                    "legal_rep": rep,
                    "address": f"振兴街道工业路{o + 1}号",
                    "phone": "0635" + "".join(str(d) for d in rng.integers(0, 10, 7)),
                    "established": f"20{int(rng.integers(0, 20)):02d}-0{int(rng.integers(1, 10))}-1{int(rng.integers(0, 10))}",
                }
            )
    return frame(rows, "orgs")


def entity_of(xref: pl.DataFrame, record_id: str) -> str:
    """The entity id given to one record (its record_id must be unique in the test data)."""
    hits = xref.filter(pl.col("record_id") == record_id)["entity_id"]
    assert hits.len() == 1, record_id
    return str(hits[0])
