"""The resolver standardises with the project's one implementation of each standard: it passes
the standards fixture of worked examples and messy spellings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import standards
from pipelines.resolve.standardise import PINYIN_SLOTS, standardise_orgs, standardise_persons

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "standards_cases.json").read_text(encoding="utf-8"))
FIXTURE_AS_OF = date.fromisoformat(FIXTURE["as_of"])


def cases(section: str) -> list[dict[str, Any]]:
    """One section of the standards fixture (the same file the standards' own tests read)."""
    return list(FIXTURE[section])


def _persons(**columns: list[str | None]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {c: [None] * n for c in ("name", "id_number", "gender", "birth_date", "phone", "address")}
    base.update(columns)
    frame = pl.DataFrame({"source": ["f"] * n, "record_id": [str(i) for i in range(n)], **base}, schema_overrides={c: pl.String for c in base})
    return standardise_persons(frame, as_of=FIXTURE_AS_OF)


def _ymd(iso: str | None) -> str | None:
    return None if iso is None else iso.replace("-", "")


def test_id_numbers_follow_the_fixture() -> None:
    rows = cases("id_number")
    std = _persons(id_number=[c["raw"] for c in rows])
    # a number in floating-point notation (a spreadsheet's 3.71503E+17) is no identifier
    floating = [c["normalised"] is not None and "E+" in c["normalised"].upper() for c in rows]
    assert any(floating)
    assert std["id_n"].to_list() == [None if f else c["normalised"] for c, f in zip(rows, floating, strict=True)]
    assert std["id_valid"].to_list() == [c["valid"] for c in rows]
    # with no delivered birth date or gender, a valid number supplies them
    assert std["dob"].to_list() == [_ymd(c["birth_date"]) if c["valid"] else None for c in rows]
    assert std["gender_n"].to_list() == [c["gender"] if c["valid"] else None for c in rows]


def test_dates_follow_the_fixture() -> None:
    rows = cases("date")
    std = _persons(birth_date=[c["raw"] for c in rows])
    # a parsed date after the as-of date is no birth date (a mistyped year): it is dropped
    expected = [_ymd(c["date"]) if c["date"] is None or c["date"] <= FIXTURE_AS_OF.isoformat() else None for c in rows]
    assert std["dob"].to_list() == expected
    assert any(c["date"] and c["date"] > FIXTURE_AS_OF.isoformat() for c in rows)


def test_a_birth_date_after_the_as_of_date_gives_way_to_the_id_number() -> None:
    as_of = date(2026, 11, 1)
    frame = pl.DataFrame(
        {"source": ["f"] * 3, "record_id": ["0", "1", "2"], "name": ["张三"] * 3, "id_number": ["11010519491231002X", None, None],
         "gender": [None] * 3, "birth_date": ["2062-06-01", "2026-06-01", "2062-06-01"], "phone": [None] * 3, "address": [None] * 3},
    )
    std = standardise_persons(frame, as_of=as_of)
    # the valid ID number's birth date, not the impossible one; a plausible date is kept
    assert std["dob"].to_list() == ["19491231", "20260601", None]
    assert std["dob_given"].to_list() == [None, "20260601", None]


def test_phones_follow_the_fixture() -> None:
    rows = cases("phone")
    std = _persons(phone=[c["raw"] for c in rows])
    assert std["phone_n"].to_list() == [c["normalised"] for c in rows]


def test_names_and_their_pinyin_keys_follow_the_fixture() -> None:
    rows = cases("name")
    std = _persons(name=[c["raw"] for c in rows])
    assert std["name_n"].to_list() == [c["normalised"] for c in rows]
    for i, case in enumerate(rows):
        keys = case["pinyin_keys"] if case["pinyin_keys"] is not None else standards.name_pinyin_keys(case["raw"])
        got = [std[f"name_py{k}"][i] for k in range(PINYIN_SLOTS)]
        assert [k for k in got if k is not None] == keys[:PINYIN_SLOTS]


def test_credit_codes_follow_the_fixture() -> None:
    rows = cases("credit_code")
    n = len(rows)
    frame = pl.DataFrame(
        {
            "source": ["f"] * n,
            "record_id": [str(i) for i in range(n)],
            "name": ["x"] * n,
            "uscc": [c["raw"] for c in rows],
            "legal_rep": [None] * n,
            "address": [None] * n,
            "phone": [None] * n,
            "established": [None] * n,
        },
        schema_overrides={c: pl.String for c in ("uscc", "legal_rep", "address", "phone", "established")},
    )
    std = standardise_orgs(frame)
    assert std["uscc_n"].to_list() == [c["normalised"] for c in rows]
    assert std["uscc_valid"].to_list() == [c["valid"] for c in rows]
    assert std["org_code"].to_list() == [c["org_code"] for c in rows]


def test_gender_spellings_and_address_prefix() -> None:
    std = _persons(
        gender=["男", "女", "1", "2", "M", "f", None, "未知"],
        address=["山东省聊城市茌平区博平镇1号", "聊城市茌平县博平镇1号", "茌平区博平镇1号", "博平镇1号", "  博平镇 1号", None, "山东省", "北京市海淀区1号"],
    )
    assert std["gender_n"].to_list() == ["1", "2", "1", "2", "1", "2", None, None]
    assert std["addr_n"].to_list()[:5] == ["博平镇1号"] * 5
    assert std["addr_n"][6] == "山东省"  # nothing left after the prefix: kept whole
    assert std["addr_n"][7] == "北京市海淀区1号"  # only a number left: kept whole


def test_any_division_prefix_and_house_number_suffix_are_standardised() -> None:
    """Province/city/county prefixes of any county go (the profile's own also without 省/市),
    a township, village or street is never taken for one, and house-number suffixes agree."""
    std = _persons(
        gender=[None] * 10,
        address=[
            "山东省聊城市东阿县铜城街道王区村5号之一",
            "聊城市东阿县铜城街道王区村5-1",
            "广西壮族自治区南宁市青秀区民族大道１２号院",
            "南宁市青秀区民族大道12",
            "茌平县 乐平铺镇王庄村12号",
            "山东聊城茌平乐平铺镇王庄村12号院",
            "振兴街道府前社区温陈路75号9栋1单元403室",
            "茌平区振兴街道府前社区温陈路75号9号楼1单元403",
            "王区村5号",
            "温陈街道金牛湖社区湖滨路101号",
        ],
    )
    addr = std["addr_n"].to_list()
    assert addr[0] == addr[1] == "铜城街道王区村5-1号"
    assert addr[2] == addr[3] == "民族大道12号"
    assert addr[4] == addr[5] == "乐平铺镇王庄村12号"
    assert addr[6] == addr[7] == "振兴街道府前社区温陈路75号9号楼1单元403号"
    assert addr[8] == "王区村5号"  # a village named 王区 is not a district
    assert addr[9] == "温陈街道金牛湖社区湖滨路101号"


def test_a_bare_name_takes_the_address_of_the_row_it_is_named_in_when_the_row_gives_one() -> None:
    rows = {
        "record_id": ["d1#self", "d1#family_contact", "m1#husband", "m1#wife", "m2#husband", "m2#wife", "u1#holder", "d2#family_contact"],
        "name": ["韩秀英", "韩建军", "赵一", "钱二", "孙三", "李四", "周五", "吴六"],
        "id_number": ["11010519491231002X", None, "11010519491231002X", None, "11010519491231002X", None, None, None],
        "address": ["茌平区杜郎口镇韩庄村12号", None, "韩屯镇一村1号", "韩屯镇二村2号", "博平镇三村3号", None, "胡屯镇四村4号", None],
    }
    n = len(rows["name"])
    frame = pl.DataFrame({"source": ["s"] * n, **rows, "gender": [None] * n, "birth_date": [None] * n, "phone": [None] * n}, schema_overrides={"id_number": pl.String, "address": pl.String})
    std = standardise_persons(frame, as_of=date(2026, 11, 1))
    # the contact gets the deceased's address; a wife whose husband gave one address gets it; a
    # record with its own address keeps only its own; a row with no address gives none
    assert std["row_addr_n"].to_list() == [None, "杜郎口镇韩庄村12号", None, None, None, "博平镇三村3号", None, None]
    assert std["house_n"].to_list() == ["杜郎口镇韩庄村12号", "杜郎口镇韩庄村12号", "韩屯镇一村1号", "韩屯镇二村2号", "博平镇三村3号", "博平镇三村3号", "胡屯镇四村4号", None]


def test_a_township_written_at_its_former_level_is_the_same_place() -> None:
    """A township keeps its name when promoted (乡 -> 镇, 镇 -> 街道, a commune -> 乡): the
    address under the old level word is the profile's township; others are left as written."""
    std = _persons(
        gender=[None] * 6,
        address=[
            "茌平县肖家庄乡前进村8号",
            "肖家庄镇前进村8号",
            "温陈乡后李村3号",
            "杨官屯公社杨庄村5号",
            "聊城市东阿县铜城乡王区村5号",
            "前进村肖家庄乡路8号",
        ],
    )
    addr = std["addr_n"].to_list()
    assert addr[0] == addr[1] == "肖家庄镇前进村8号"
    assert addr[2] == "温陈街道后李村3号"
    assert addr[3] == "杨官屯乡杨庄村5号"
    assert addr[4] == "铜城乡王区村5号"  # not a township of this county's profile
    assert addr[5] == "前进村肖家庄乡路8号"  # only the leading township is read as one


def test_sound_keys_of_distinct_names_match_those_of_every_record() -> None:
    """`pinyin_slots` works out readings and sound keys once per distinct name: every record
    gets what the keys computed record by record give (null and repeated names included)."""
    from pipelines.resolve.standardise import PINYIN_SLOTS, pinyin_slots, sound_keys

    names = pl.Series("name_n", ["单国庆", "张伟", None, "张伟", "欧阳娜娜", "林玲", "·"])
    slots = [f"name_py{i}" for i in range(PINYIN_SLOTS)]
    readings = pinyin_slots(names, "name_py")
    per_record = readings.with_columns(sound_keys(slots, "name_snd"))
    assert pinyin_slots(names, "name_py", sound_prefix="name_snd").equals(per_record)
