"""Each trap of population data gets a small crafted case inside an ordinary background.

GIVEN a few hundred tidy records plus the trap's records, WHEN resolved, THEN the trap's
records are joined or kept apart as a careful clerk would. All person traps are resolved in one
run (their names and numbers do not overlap), which keeps the tests fast.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from pipelines.resolve.api import resolve_orgs, resolve_persons
from pipelines.resolve.model import Resolution

from .conftest import GIVEN, SURNAMES, background_orgs, background_persons, entity_of, frame, id18, uscc

Rows = list[dict[str, str | None]]
TRAPS: list[Rows] = []


def trap(rows: Rows) -> Rows:
    TRAPS.append(rows)
    return rows


@lru_cache(maxsize=1)
def person_resolution() -> Resolution:
    records = pl.concat([background_persons(), *(frame(rows) for rows in TRAPS)])
    resolution = resolve_persons(records)
    assert resolution.xref.height == records.height
    return resolution


def person_xref() -> pl.DataFrame:
    return person_resolution().xref


def same(*record_ids: str) -> bool:
    return len({entity_of(person_xref(), r) for r in record_ids}) == 1


def distinct(*record_ids: str) -> bool:
    return len({entity_of(person_xref(), r) for r in record_ids}) == len(record_ids)


_HOME = {"birth_date": "2010-03-05", "address": "菜屯镇前进村8号", "phone": "06355551234"}
TWINS = trap(
    [
        {"source": "hukou", "record_id": "a1", "name": "张子涵", "id_number": id18("37152320100305111"), "gender": "1", **_HOME},
        {"source": "hukou", "record_id": "b1", "name": "张子轩", "id_number": id18("37152320100305122"), "gender": "2", **_HOME},
        {"source": "school", "record_id": "a2", "name": "张子涵", "id_number": None, "gender": "男", **_HOME},
        {"source": "school", "record_id": "b2", "name": "张子轩", "id_number": None, "gender": "女", **_HOME},
    ]
)


def test_twins_stay_apart_and_their_id_less_records_join_the_right_twin() -> None:
    assert same("a1", "a2")
    assert same("b1", "b2")
    assert distinct("a1", "b1")


_HOME2 = {"birth_date": "2012-07-01", "address": "韩屯镇后街村3号", "phone": "06355550000", "gender": "1"}
TWINS_NO_ID = trap(
    [
        {"source": "school", "record_id": "t1", "name": "李明", **_HOME2},
        {"source": "power", "record_id": "t2", "name": "李亮", **_HOME2},
    ]
)


def test_twins_without_any_id_number_stay_apart() -> None:
    assert distinct("t1", "t2")


COMMON_NAME = trap(
    [{"source": f"s{i % 3}", "record_id": f"zw{i}", "name": "张伟", "gender": "1"} for i in range(8)]
    + [
        {"source": "aid", "record_id": "zw-x", "name": "张伟", "birth_date": "1980-01-01", "gender": "1"},
        {"source": "power", "record_id": "zw-y", "name": "张伟", "birth_date": "1992-06-30", "gender": "1"},
    ]
)


def test_a_common_name_alone_never_merges() -> None:
    assert distinct(*(str(row["record_id"]) for row in COMMON_NAME))


SHARED_NAME = trap(
    [
        {
            "source": source,
            "record_id": f"wf{i}-{source}",
            "id_number": id18(f"3715231985010{i + 1}23{i}") if source == "hukou" else None,
            "name": "王芳",
            "gender": "2",
            "birth_date": f"1985-01-0{i + 1}",
            "phone": f"1380000000{i}",
        }
        for i in range(6)
        for source in ("hukou", "power")
    ]
)


def test_many_people_sharing_a_common_name_are_resolved_by_their_other_details() -> None:
    for i in range(6):
        assert same(f"wf{i}-hukou", f"wf{i}-power")
    assert distinct(*(f"wf{i}-hukou" for i in range(6)))


_TR = id18("37152319780412563")
TRANSPOSED = trap(
    [
        {"source": "hukou", "record_id": "tr1", "name": "赵海燕", "id_number": _TR, "gender": "1", "birth_date": "1978-04-12"},
        {"source": "shebao", "record_id": "tr2", "name": "赵海燕", "id_number": _TR[:12] + _TR[13] + _TR[12] + _TR[14:], "gender": "男"},
    ]
)


def test_a_transposed_id_digit_still_links() -> None:
    assert same("tr1", "tr2")


_LG = id18("37152319520817331")
LEGACY = trap(
    [
        {"source": "hukou", "record_id": "lg1", "name": "钱秀兰", "id_number": _LG, "gender": "1"},
        {"source": "aid", "record_id": "lg2", "name": "钱秀兰", "id_number": _LG[:6] + _LG[8:17], "gender": "男"},
    ]
)


def test_a_15_digit_legacy_id_links_to_its_18_digit_form() -> None:
    assert same("lg1", "lg2")


_TC = id18("37152319660101771")
TRADITIONAL = trap(
    [
        {"source": "hukou", "record_id": "tc1", "name": "刘德华", "id_number": _TC, "birth_date": "1966-01-01", "phone": "13912345678"},
        {
            "source": "power",
            "record_id": "tc2",
            "name": "劉 德華",
            "id_number": _TC.translate(str.maketrans("0123456789", "０１２３４５６７８９")).lower(),
            "birth_date": "1966年1月1日",
            "phone": "+86 139 1234 5678",
        },
    ]
)


def test_a_traditional_name_and_messy_spellings_link() -> None:
    assert same("tc1", "tc2")


MISSING_ID = trap(
    [
        {"source": "hukou", "record_id": "m1", "name": "孙丽娜", "id_number": id18("37152319900615002"), "birth_date": "1990-06-15", "phone": "15866668888"},
        {"source": "power", "record_id": "m2", "name": "孙丽娜", "id_number": None, "birth_date": "1990/6/15", "phone": "158 6666 8888"},
    ]
)


def test_a_missing_id_with_matching_name_birth_date_and_phone_links() -> None:
    assert same("m1", "m2")


HETERONYM = trap(
    [
        {"source": "hukou", "record_id": "sd1", "name": "单丽", "id_number": id18("37152319750505123"), "birth_date": "1975-05-05", "phone": "13700001111"},
        {"source": "power", "record_id": "sd2", "name": "善丽", "birth_date": "1975-05-05", "phone": "13700001111"},
    ]
)


def test_a_sound_alike_surname_links_through_its_heteronym_reading() -> None:
    # 单 is read shan as a surname (pypinyin's default says dan): 善 is the clerk's homophone
    assert same("sd1", "sd2")


_CH = {"name": "陈建国", "birth_date": "1970-02-02", "phone": "13811112222", "address": "胡屯镇东村1号", "gender": "1"}
VALID_IDS = trap(
    [
        {"source": "hukou", "record_id": "c1", "id_number": id18("37152319700202111"), **_CH},
        {"source": "shebao", "record_id": "c2", "id_number": id18("37152319700202131"), **_CH},
        {"source": "power", "record_id": "c3", "id_number": None, **_CH},
    ]
)


def test_different_valid_id_numbers_never_merge_not_even_through_a_chain() -> None:
    assert distinct("c1", "c2")


# --- records with neither ID number nor birth date (utility accounts, hand-kept lists) --------


def _register(record_id: str, name: str, body17: str, **extra: str) -> dict[str, str | None]:
    return {"source": "hukou", "record_id": record_id, "name": name, "id_number": id18(body17), **extra}


def _account(record_id: str, name: str, address: str | None, phone: str | None = None) -> dict[str, str | None]:
    """A power account: a name, an address as the clerk wrote it, perhaps a phone; no ID, no birth date."""
    return {"source": "power", "record_id": record_id, "name": name, "address": address, "phone": phone}


SPARSE_VARIANTS = trap(
    [
        _register("sv1", "付涵怡", "37152319790315184", address="山东省聊城市茌平区贾寨镇韩寨村162号"),
        _register("sv1b", "付建国", "37152319500101183", address="山东省聊城市茌平区贾寨镇韩寨村162号"),
        _account("sv2", "付 涵 怡", "茌平县贾寨镇韩寨村162号院"),
        _register("tv1", "刘国华", "37152319610203121", address="茌平区博平镇东关村7号"),
        _account("tv2", "劉國華", "聊城市茌平区博平镇东关村７"),
        _register("hv1", "周晓梅", "37152319820517122", address="韩屯镇西街村21号"),
        _account("hv2", "周小玫", "山东省聊城市茌平区韩屯镇西街村21号"),
        _register("nv1", "吴凤玲", "37152319880808222", address="胡屯镇北村9号"),
        _account("nv2", "吴凤琳", "胡屯镇北村9号"),
        _register("pv1", "钱冬梅", "37152319700606222", address="菜屯镇钱庄村3号", phone="13955501234"),
        _account("pv2", "钱冬梅", "菜屯镇钱庄村", "139 5550 1234"),
    ]
)


def test_an_account_without_id_links_on_a_unique_sound_alike_name_at_the_house() -> None:
    # spaced name, traditional characters, a homophone, a near-homophone (ling / lin), each with
    # the address under another prefix or house-number suffix; and one on its phone alone
    assert same("sv1", "sv2")
    assert distinct("sv1", "sv1b")
    assert same("tv1", "tv2")
    assert same("hv1", "hv2")
    assert same("nv1", "nv2")
    assert same("pv1", "pv2")
    pairs = person_resolution().pairs
    rules = dict(
        pairs.filter(pl.col("decision") == "match")
        .select(pl.concat_str("left_record_id", "right_record_id", separator="-"), "rule")
        .iter_rows()
    )
    assert rules.get("sv1-sv2", rules.get("sv2-sv1")) == "unique_name_address"
    assert rules.get("pv1-pv2", rules.get("pv2-pv1")) == "unique_name_phone"
    assert pairs.filter(pl.col("decision") == "match")["rule"].null_count() == 0
    assert pairs.filter(pl.col("decision") == "non_match")["rule"].null_count() == pairs.filter(pl.col("decision") == "non_match").height


SOUND_ALIKE_HOUSEMATE = trap(
    [
        _register("sa1", "孙伟", "37152319600101001", address="菜屯镇孙庄村3号", phone="06355557777"),
        _register("sa2", "孙玮", "37152319900202002", address="菜屯镇孙庄村3号", phone="06355557777"),
        _account("sa3", "孙 伟", "茌平区菜屯镇孙庄村3号", "0635-5557777"),
    ]
)


def test_an_account_is_not_linked_when_a_housemate_sounds_the_same() -> None:
    assert distinct("sa1", "sa2", "sa3")
    reason = (
        person_resolution()
        .pairs.filter(pl.col("left_record_id").is_in(["sa3"]) | pl.col("right_record_id").is_in(["sa3"]))["reason"]
        .to_list()
    )
    assert reason and all("sounds the same" in r for r in reason)


_TWIN_HOME = {"address": "洪官屯镇吴口村264号", "phone": "17789456475", "birth_date": "2012-09-09"}
SPARSE_TWINS = trap(
    [
        _register("zt1", "郑雨桐", "37152320120909101", **_TWIN_HOME),
        _register("zt2", "郑雨萱", "37152320120909202", **_TWIN_HOME),
        {"source": "school_list", "record_id": "zt3", "name": "郑雨桐", "address": "洪官屯镇吴口村264号"},
        {"source": "school_list", "record_id": "zt4", "name": "郑 雨萱", "address": "茌平县洪官屯镇吴口村264号"},
    ]
)


def test_twins_at_one_house_stay_apart_and_each_keeps_its_own_sparse_record() -> None:
    assert distinct("zt1", "zt2")
    assert same("zt1", "zt3")
    assert same("zt2", "zt4")


_BUILDING = "振兴街道府前社区温陈路75号9号楼"
BUILDING = trap(
    [
        _register(f"bd{i}", SURNAMES[i % len(SURNAMES)] + GIVEN[i] + GIVEN[-1 - i], f"3715231970{i:02d}0{i % 9 + 1}10{i % 10}", address=_BUILDING)
        for i in range(22)
    ]
    + [
        _register("bdw1", "王伟", "37152319810305441", address=_BUILDING),
        _account("bdw2", "王伟", "山东省聊城市茌平区" + _BUILDING),
    ]
)


def test_a_common_name_at_a_large_building_is_not_linked_on_name_and_building_alone() -> None:
    assert distinct("bdw1", "bdw2")


_DEAD_HOME = "山东省聊城市茌平区杜郎口镇韩庄村12号"
DEATH_CONTACTS = trap(
    [
        _register("dh1", "韩秀英", "37152319400606122", address=_DEAD_HOME),
        _register("dh2", "韩建军", "37152319650909121", address=_DEAD_HOME),
        # the cremation record: the deceased with her address, her son as the family contact
        # (a name, no phone, no address of his own)
        {"source": "cremation", "record_id": "dc1#self", "name": "韩秀英", "id_number": id18("37152319400606122"), "address": "茌平县杜郎口镇韩庄村12号"},
        {"source": "cremation", "record_id": "dc1#family_contact", "name": "韓 建軍"},
        # a second household where two people sound like the contact: no link
        _register("dq1", "蒋立新", "37152319380303111", address="博平镇蒋庄村40号"),
        _register("dq2", "蒋利新", "37152319620404112", address="博平镇蒋庄村40号"),
        _register("dq3", "蒋丽欣", "37152319880505222", address="博平镇蒋庄村40号"),
        {"source": "cremation", "record_id": "dc2#self", "name": "蒋立新", "id_number": id18("37152319380303111"), "address": "博平镇蒋庄村40号"},
        {"source": "cremation", "record_id": "dc2#family_contact", "name": "蒋立鑫"},
        # a contact named on a row without an address: nothing to look in
        _register("dn1", "褚明远", "37152319550505131", address="韩屯镇褚楼村6号"),
        {"source": "cremation", "record_id": "dc3#self", "name": "褚德福", "id_number": id18("37152319300101131")},
        {"source": "cremation", "record_id": "dc3#family_contact", "name": "褚明远"},
    ]
)


def test_a_family_contact_links_to_the_only_same_sounding_person_at_the_deceased_s_house() -> None:
    assert same("dh2", "dc1#family_contact")
    assert same("dh1", "dc1#self")
    assert distinct("dh1", "dh2")
    pairs = person_resolution().pairs.filter(pl.col("decision") == "match")
    rule = pairs.filter(
        pl.col("left_record_id").is_in(["dh2", "dc1#family_contact"]) & pl.col("right_record_id").is_in(["dh2", "dc1#family_contact"])
    )["rule"].to_list()
    assert rule == ["unique_name_household"]


def test_a_family_contact_is_not_linked_when_two_people_at_the_house_sound_the_same() -> None:
    assert distinct("dq2", "dq3", "dc2#family_contact")
    assert distinct("dq1", "dc2#family_contact")


def test_a_family_contact_on_a_row_without_an_address_is_not_linked_on_the_name_alone() -> None:
    assert distinct("dn1", "dc3#family_contact")


_BIG_VILLAGE = "杨官屯乡大柳村"
NO_HOUSE_NUMBER = trap(
    [
        # the account's address lost its house number: the village is all it says
        _register("nh1", "鲁思远", "37152319770412131", address="山东省聊城市茌平区贾寨镇东胡寨村80号"),
        _account("nh2", "鲁 思远", "茌平区贾寨镇东胡寨村"),
        # the register's entry lost it, the certificate (no ID number, a future birth year) has it
        _register("nh3", "柏雨辰", "37152320260111052", address="山东省聊城市茌平区贾寨镇西胡寨村"),
        {"source": "birth_certificate", "record_id": "nh4#self", "name": "柏雨辰", "birth_date": "2062-01-01",
         "address": "茌平区贾寨镇西胡寨村5号"},
        # two people in the village sound like the account's name: no link
        _register("nh5", "尹秋菊", "37152319660101022", address="杨官屯乡尹庄村3号"),
        _register("nh6", "尹秋桔", "37152319900303024", address="杨官屯乡尹庄村9号"),
        _account("nh7", "尹秋菊", "杨官屯乡尹庄村"),
        # two different house numbers in one village: the area rule never links them
        _register("nh8", "覃海燕", "37152319720202042", address="韩屯镇覃庄村4号"),
        _account("nh9", "覃海燕", "韩屯镇覃庄村6号"),
    ]
    # a name that is common in the county, in a village of many people: not rare enough there
    + [
        _register(f"nhv{i}", "王伟" if i % 4 == 0 else SURNAMES[i % len(SURNAMES)] + GIVEN[(3 * i) % len(GIVEN)] + GIVEN[-1 - i % 7],
                  f"3715231975{i % 12 + 1:02d}{i % 27 + 1:02d}{i:03d}", address=f"博平镇南刘村{i + 1}号")
        for i in range(24)
    ]
    + [
        _register("nhw1", "王伟", "37152319810305551", address=_BIG_VILLAGE + "7号"),
        *(_register(f"nhb{i}", SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(7 * i + 3) % len(GIVEN)], f"3715231980{i % 12 + 1:02d}1{i % 9}{i:03d}", address=f"{_BIG_VILLAGE}{i + 10}号")
          for i in range(30)),
        _account("nhw2", "王伟", _BIG_VILLAGE),
    ]
)


def _rule_between(a: str, b: str) -> list[str | None]:
    pairs = person_resolution().pairs.filter(pl.col("decision") == "match")
    return pairs.filter(pl.col("left_record_id").is_in([a, b]) & pl.col("right_record_id").is_in([a, b]))["rule"].to_list()


def test_a_record_without_its_house_number_links_to_the_only_person_of_that_sound_in_the_village() -> None:
    assert same("nh1", "nh2")
    assert _rule_between("nh1", "nh2") == ["unique_name_area"]
    assert same("nh3", "nh4#self")
    assert _rule_between("nh3", "nh4#self") == ["unique_name_area"]


def test_a_village_without_house_number_is_not_linked_when_two_people_there_sound_the_same() -> None:
    assert distinct("nh5", "nh6", "nh7")


def test_two_different_house_numbers_of_one_village_are_not_linked_on_the_name() -> None:
    assert distinct("nh8", "nh9")


def test_a_common_name_in_a_large_village_is_not_linked_on_name_and_village_alone() -> None:
    assert distinct("nhw1", "nhw2")


GBK_QUESTION_MARK = trap(
    [
        # a rare character outside GBK, delivered as `?` by a GBK export
        _register("gq1", "柴林𧿹", "37152319930207015", address="博平镇柴口村20号"),
        _account("gq2", "柴林?", "博平镇柴口村20号"),
        # two people at the house whose names differ only in their rare character: either
        _register("gq3", "邬建𥖨", "37152319660426011", address="菜屯镇邬庄村5号"),
        _register("gq4", "邬建𨚕", "37152319900303012", address="菜屯镇邬庄村5号"),
        _account("gq5", "邬建？", "菜屯镇邬庄村5号"),
        # a `?` never stands for nothing: 柯海? is not 柯海
        _register("gq6", "柯海", "37152319700101013", address="韩屯镇柯庄村8号"),
        _account("gq7", "柯海?", "韩屯镇柯庄村8号"),
    ]
)


def test_a_question_mark_from_a_gbk_export_sounds_like_the_rare_character_it_replaced() -> None:
    assert same("gq1", "gq2")
    assert _rule_between("gq1", "gq2") == ["unique_name_address"]
    assert distinct("gq3", "gq4", "gq5")
    assert distinct("gq6", "gq7")


BIRTH_TYPO = trap(
    [
        _register("bt1", "冯浩然", "37152320260615131", birth_date="2026-06-15", address="冯官屯镇冯庄村77号"),
        # the certificate's year mistyped into the future, its month kept
        {"source": "birth_certificate", "record_id": "bt2#self", "name": "冯浩然", "birth_date": "2062-06-01",
         "gender": "男", "address": "茌平区冯官屯镇冯庄村77号"},
    ]
)


def test_a_birth_date_after_the_as_of_date_does_not_keep_a_certificate_apart() -> None:
    assert same("bt1", "bt2#self")


FLOATING_IDS = trap(
    [
        # an allowance list kept in a spreadsheet that turned every ID number into 3.72524E+17
        {"source": "allowance", "record_id": f"fl{i}", "name": "李亮", "id_number": "3.72524E+17", "phone": f"1383518{i:04d}"}
        for i in range(4)
    ]
)


def test_id_numbers_a_spreadsheet_turned_into_floating_point_join_nobody() -> None:
    assert distinct("fl0", "fl1", "fl2", "fl3")


_NEWBORN_HOME = "茌平区乐平铺镇后屯村31号"
CERTIFICATES = trap(
    [
        # unnamed twins: two certificates, same birth date, gender and address, no names yet,
        # and the register's entry of one of them (named since)
        {"source": "birth_certificate", "record_id": "ct1#self", "name": None, "birth_date": "2026-02-14",
         "gender": "女", "address": _NEWBORN_HOME, "issued_key": "Q371523260001"},
        {"source": "birth_certificate", "record_id": "ct2#self", "name": None, "birth_date": "2026-02-14",
         "gender": "女", "address": _NEWBORN_HOME, "issued_key": "Q371523260002"},
        _register("ct3", "尤雨桐", "37152320260214128", birth_date="2026-02-14", address=_NEWBORN_HOME),
        # the first certificate delivered again in a later file (same number): the same child
        {"source": "birth_certificate", "record_id": "ct1b#self", "name": None, "birth_date": "2026-02-14",
         "gender": "女", "address": _NEWBORN_HOME, "issued_key": "Q371523260001"},
        # two babies given one name on one day in two villages, neither in the register yet
        {"source": "birth_certificate", "record_id": "cn1#self", "name": "施梓涵", "birth_date": "2026-03-09",
         "gender": "男", "address": "博平镇施庄村5号", "issued_key": "Q371523260010"},
        {"source": "birth_certificate", "record_id": "cn2#self", "name": "施梓涵", "birth_date": "2026-03-09",
         "gender": "男", "address": "贾寨镇施楼村88号", "issued_key": "Q371523260011"},
        # ... and a hospital's list naming the baby by name and birth date alone, which would
        # chain the two certificates into one child
        {"source": "hospital", "record_id": "cn3", "name": "施梓涵", "birth_date": "2026-03-09", "gender": "男"},
        # two certificates never compared with each other (one named, one not yet, in two
        # villages), each like a clinic's record of the baby: the chain must not join them
        {"source": "birth_certificate", "record_id": "cc1#self", "name": "魏思远", "birth_date": "2026-04-02",
         "gender": "男", "address": "胡屯镇魏庄村14号", "issued_key": "Q371523260030"},
        {"source": "birth_certificate", "record_id": "cc2#self", "name": None, "birth_date": "2026-04-02",
         "gender": "男", "address": "杜郎口镇韦营村9号", "issued_key": "Q371523260031"},
        {"source": "clinic", "record_id": "cc3", "name": "魏思远", "birth_date": "2026-04-02", "gender": "男",
         "address": "杜郎口镇韦营村9号"},
        # one child with a birth certificate and a death certificate: different sources, one person
        {"source": "birth_certificate", "record_id": "cd1#self", "name": "秦雨泽", "birth_date": "2026-01-20",
         "gender": "男", "address": "韩屯镇秦庄村3号", "issued_key": "Q371523260020"},
        {"source": "death_certificate", "record_id": "cd2#self", "name": "秦雨泽", "birth_date": "2026-01-20",
         "gender": "男", "address": "韩屯镇秦庄村3号", "issued_key": "D371523260020"},
    ]
)


def test_two_birth_certificates_are_two_children_even_unnamed_twins() -> None:
    assert distinct("ct1#self", "ct2#self")
    # at most one of them is the registered child, and the re-delivered certificate is its own copy
    assert same("ct1#self", "ct1b#self")
    assert not (same("ct3", "ct1#self") and same("ct3", "ct2#self"))


def test_two_certificates_of_one_name_and_birth_date_stay_apart_even_through_a_chain() -> None:
    assert distinct("cn1#self", "cn2#self")
    pairs = person_resolution().pairs
    kept = pairs.filter(pl.col("left_record_id").is_in(["cn1#self", "cn2#self"]) & pl.col("right_record_id").is_in(["cn1#self", "cn2#self"]))
    assert kept["decision"].to_list() == ["non_match"]
    assert "one record per person" in kept["reason"].item()


def test_two_certificates_never_compared_still_never_join_through_a_chain() -> None:
    pairs = person_resolution().pairs
    compared = pairs.filter(pl.col("left_record_id").is_in(["cc1#self", "cc2#self"]) & pl.col("right_record_id").is_in(["cc1#self", "cc2#self"]))
    assert compared.height == 0  # only the clustering's bound can keep them apart
    assert distinct("cc1#self", "cc2#self")
    assert same("cc3", "cc1#self") or same("cc3", "cc2#self")


def test_a_birth_and_a_death_certificate_may_describe_one_child() -> None:
    assert same("cd1#self", "cd2#self")


_CHEN_HOME = "山东省聊城市茌平区温陈街道陈庄村21号"
FATHER_AND_SON = trap(
    [
        # a father and son of one name at one house; the father died, his son is the contact
        _register("cx1", "陈祥", "37152319420808111", address=_CHEN_HOME),
        _register("cx2", "陈祥", "37152319700707113", address=_CHEN_HOME),
        {"source": "cremation", "record_id": "cx3#self", "name": "陈祥", "id_number": id18("37152319420808111"), "address": "温陈街道陈庄村21号"},
        {"source": "cremation", "record_id": "cx3#family_contact", "name": "陈祥"},
    ]
)


def test_a_family_contact_is_never_the_deceased_of_the_row() -> None:
    assert same("cx1", "cx3#self")
    assert same("cx2", "cx3#family_contact")
    assert distinct("cx1", "cx2")


def test_every_record_gets_exactly_one_entity() -> None:
    xref = person_xref()
    assert xref.select("source", "record_id").is_duplicated().sum() == 0
    assert xref["entity_id"].null_count() == 0


def test_company_under_its_old_name_without_credit_code_links() -> None:
    code = uscc("9137152344556677")
    details = {"legal_rep": "周建华", "address": "振兴街道工业路88号", "phone": "06352223333", "established": "2008-05-20"}
    shops = [
        {"source": "registry", "record_id": f"shop{i}", "name": "便民超市", "legal_rep": rep, "address": f"{town}中心街{i}号", "established": f"201{i}-03-0{i + 1}"}
        for i, (rep, town) in enumerate([("王强", "博平镇"), ("李勇", "韩屯镇"), ("张军", "贾寨镇")])
    ]
    twins = [
        {"source": "registry", "record_id": "v1", "name": "茌平县华信建材有限公司", "uscc": uscc("9137152300000001"), "legal_rep": "吴刚"},
        {"source": "tax", "record_id": "v2", "name": "茌平县华信建材有限公司", "uscc": uscc("9137150300000002"), "legal_rep": "吴刚"},
    ]
    renamed = [
        {"source": "registry", "record_id": "co1", "name": "茌平县鑫源化工有限公司", "uscc": code, **details},
        {"source": "power", "record_id": "co2", "name": "茌平县宏达化工厂", "uscc": None, **details},
        {"source": "tax", "record_id": "co3", "name": "鑫源化工有限公司", "uscc": code.lower(), "legal_rep": "周建华"},
    ]
    xref = resolve_orgs(pl.concat([background_orgs(), frame(renamed + shops + twins, "orgs")])).xref
    # the renamed company: old name without code, new name with code, code in lower case
    assert entity_of(xref, "co1") == entity_of(xref, "co2") == entity_of(xref, "co3")
    # shops sharing a common name stay apart
    assert len({entity_of(xref, s["record_id"]) for s in shops}) == 3
    # two different valid credit codes never merge
    assert entity_of(xref, "v1") != entity_of(xref, "v2")
