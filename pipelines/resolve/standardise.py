"""Standardising raw person and organisation records before matching.

Every rule comes from `pipelines.standards`, the project's one implementation of each national
standard: this module only *applies* them to whole columns. Where `pipelines.standards.exprs`
offers a Polars expression it is used (vectorised); otherwise the scalar reference function is
applied once per *distinct* value (names, dates and phones repeat a lot), which is the thin
adapter the standards module's docstring allows.

Derived columns (persons):
    name_n      normalised name (half-width, no spaces, unified middle dot, simplified)
    name_py0..2 up to three pinyin readings of the name (heteronym surnames: 单 shan/dan)
    id_n        normalised ID number (15 -> 18 digits, X upper-cased, half-width); null for a
                number in floating-point notation (3.71503E+17), which identifies nobody
    id_valid    checksum-valid with a real birth date (GB 11643)
    dob         birth date YYYYMMDD: as delivered when parseable and not after the as-of date,
                else from a valid ID number
    dob_given   the delivered birth date alone (null when `dob` came from the ID number; a
                date after the as-of date is a keying error, not a birth date, so it is null)
    gender_n    GB/T 2261.1 code 1/2: from a valid ID number, else as delivered
    phone_n     digits-only phone number
    name_snd0..2 near-sound keys of the readings (zh/z, ch/c, sh/s, -ng/-n merged), and
                `name_snd` their distinct list (a blocking key)
    name_snd3   for a name with a character a GBK export cannot hold (张林𧿹): the near-sound key
                of the name as such an export delivers it (张林?), so the `?` of a GBK file sounds
                like the rare character it replaced, and like nothing else (null otherwise)
    addr_n      address without any province/city/county prefix, simplified, no spaces, one
                spelling of the house-number suffix, the leading township under its current name
                whatever level (乡 / 镇 / 街道) it is written with
    row_addr_n  for a record with no address, ID number or birth date of its own (a death
                record's family contact, a parent whose ID number is missing): the address of the
                delivered row it is named in, when the row's other parties give exactly one
                (`row_address`); null otherwise
    house_n     `addr_n`, else `row_addr_n` (a blocking key: a same-sounding name at a house)
    area_n      `addr_n` up to its house number: the village, community or street the house is
                in (`area_expr`); the whole `addr_n` when it has no house number
    addr_open   the address names no house number (a village or street only): a clerk left it
                out, so it agrees with every house there and contradicts none
    issued_group, issued_n  for a record whose source issues one record per person in its role
                (the optional input column `issued_key`, a certificate number): the source and
                role (role = the `record_id` suffix after `#`), and that plus the key; null
                otherwise. Two records of one group with different `issued_n` are two people
    id_sorted   the ID's characters sorted (a blocking key that survives transposed digits)
    id_ab, id_ac, id_bc  pairs of the ID's three parts (area / birth year-month / the rest): one
                mistyped digit spoils one part, so two of these keys still agree
Organisations: name_n, name_core (legal-form suffix and place prefix removed), uscc_n,
uscc_valid, org_code (positions 9-17 of the credit code), rep_n, rep_py0..2, addr_n, phone_n,
est (YYYYMMDD).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from pipelines import standards
from pipelines.standards import exprs as X

PINYIN_SLOTS = 3


def by_distinct(column: pl.Series, fn: Callable[[Any], Any], dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    """Apply a scalar standard function once per distinct non-null value of a column.

    Used only where `pipelines.standards.exprs` has no vectorised version (pinyin keys, the
    organisation-name core): values repeat, so this is far fewer calls than rows.
    """
    uniq = column.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in uniq.to_list()], dtype=dtype)
    lookup = pl.DataFrame({"_v": uniq, "_out": mapped})
    return (
        column.rename("_v")
        .to_frame()
        .join(lookup, on="_v", how="left", maintain_order="left")["_out"]
        .rename(column.name)
    )


def _ymd(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y%m%d")


def per_distinct(frame: pl.DataFrame, column: str, derived: dict[str, pl.Expr]) -> pl.DataFrame:
    """Evaluate expressions of one column once per distinct value and join them back.

    Delivered values repeat (dates, phones, names, addresses), and the standards' expressions are
    not cheap per row, so this cuts the work to the number of distinct values. Returns the
    derived columns only, row-aligned with `frame`.
    """
    uniq = frame.select(pl.col(column).unique())
    table = uniq.with_columns(**derived)
    return frame.select(column).join(table, on=column, how="left", maintain_order="left", nulls_equal=True).drop(column)


PINYIN_CACHE_NAMES = 1 << 18


@lru_cache(maxsize=PINYIN_CACHE_NAMES)
def _name_readings(name: str) -> tuple[str, ...]:
    """Up to three pinyin readings of one name (the standard's `name_pinyin_keys`), kept for the
    next batch: records are standardised a partition at a time (`standardise_in_batches`), and
    a county's names recur in every partition, so without this each batch would read the same
    names again in pure Python. Bounded: a county has some 10^5 distinct names."""
    return tuple(standards.name_pinyin_keys(name)[:PINYIN_SLOTS])


def _pinyin_table(distinct: list[str]) -> pl.DataFrame:
    """Up to three pinyin readings (the standard's `name_pinyin_keys`) of each distinct name."""
    keys = [list(_name_readings(v)) for v in distinct]
    return pl.DataFrame({"_v": distinct, "_k": keys}, schema={"_v": pl.String, "_k": pl.List(pl.String)})


def start_pinyin(names: pl.Series) -> Future[pl.DataFrame]:
    """Compute the readings of the distinct names in a background thread.

    pypinyin is pure Python and the slowest part of standardising; Polars releases the GIL
    while it evaluates the other columns, so the two overlap instead of adding up.
    """
    distinct = names.drop_nulls().unique().to_list()
    return _pinyin_pool().submit(_pinyin_table, distinct)


@lru_cache(maxsize=1)
def _pinyin_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pinyin")


def pinyin_slots(
    names: pl.Series,
    prefix: str,
    table: pl.DataFrame | None = None,
    sound_prefix: str | None = None,
    extra_readings: tuple[str, ...] = (),
) -> pl.DataFrame:
    """`<prefix>0..2`: up to three pinyin readings of each name (heteronym surnames first), and
    with `sound_prefix` their near-sound keys (`sound_keys`) after them, of `extra_readings` (more
    reading columns of `table`, carried to the output) too.

    Both are worked out on the table of distinct names and joined to the records, since a
    reading and its sound key depend on the name alone (names repeat many times)."""
    if table is None:
        table = _pinyin_table(names.drop_nulls().unique().to_list())
    slots = [f"{prefix}{i}" for i in range(PINYIN_SLOTS)]
    table = table.with_columns([pl.col("_k").list.get(i, null_on_oob=True).alias(c) for i, c in enumerate(slots)])
    if sound_prefix is not None:
        table = table.with_columns(sound_keys([*slots, *extra_readings], sound_prefix))
    rest = [c for c in table.columns if c not in ("_v", "_k", *slots, *extra_readings)]
    derived = [*slots, *extra_readings, *rest]
    joined = names.rename("_v").to_frame().join(table.select("_v", *derived), on="_v", how="left", maintain_order="left")
    return joined.select(derived)


def gender_expr(expr: pl.Expr) -> pl.Expr:
    """Delivered sex as a GB/T 2261.1 code (the standard's `normalise_gender`); only 1 (male)
    and 2 (female) carry evidence for matching, so 0 (unknown) and 9 (unstated) become null."""
    code = X.normalise_gender_expr(expr)
    return pl.when(code.is_in(["1", "2"])).then(code)


@lru_cache(maxsize=8)
def _address_prefix_pattern(province: str, city: str, county_names: tuple[str, ...]) -> str:
    provinces = sorted({re.escape(p) for p in (province, province.removesuffix("省"))}, key=len, reverse=True)
    cities = sorted({re.escape(c) for c in (city, city.removesuffix("市"))}, key=len, reverse=True)
    counties = sorted({re.escape(c) for name in county_names for c in (name, name[:-1])}, key=len, reverse=True)
    return "^(?:" + "|".join(provinces) + ")?(?:" + "|".join(cities) + ")?(?:" + "|".join(counties) + ")?"


def _county_prefix() -> str:
    """Regex of the county's own province/city/county prefix (current and historic names)."""
    from pipelines.settings import get_settings

    county = get_settings().county
    names = tuple(sorted({county.name, *(h.name for h in county.historic_codes)}))
    return _address_prefix_pattern(county.province, county.city, names)


# Any province / prefecture-level city / county-level division in front of an address, whatever
# the county (the profile's own names are stripped too, also when written without 省/市, see
# `_county_prefix`). A division name holds no place word of its own (镇 乡 村 街 路 号 ...), so the
# pattern never eats a township or a street; a bare county name (王区村?) is only taken after a
# province or a city, or when it is one of the profile's names.
_DIVISION_CHAR = r"[^省市县区旗盟州镇乡村街路道巷号楼院室组屯庄0-9]"
_PROVINCE = rf"(?:{_DIVISION_CHAR}{{2,3}}省|{_DIVISION_CHAR}{{2,9}}自治区|北京市|天津市|上海市|重庆市)"
_CITY = rf"(?:{_DIVISION_CHAR}{{2,4}}(?:市|地区|盟)|{_DIVISION_CHAR}{{2,9}}自治州)"
_COUNTY = rf"(?:{_DIVISION_CHAR}{{1,4}}?(?:县|区|市|旗)|{_DIVISION_CHAR}{{2,9}}自治县)"
DIVISION_PREFIX = rf"^(?:{_PROVINCE}?{_CITY}{_COUNTY}?|{_PROVINCE}{_COUNTY}?)"

# Level words of a township-level division. A township renamed on promotion (乡 -> 镇 on
# becoming a town, 镇 -> 街道 on becoming a subdistrict, a 1950s-80s 人民公社 -> 乡) keeps its
# name: clerks keep writing the old level for years, and it is the same place.
_TOWNSHIP_LEVELS = ("人民公社", "公社", "街道", "镇", "乡")


@lru_cache(maxsize=8)
def _township_renames(names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Regex of a leading township written at any level (`_TOWNSHIP_LEVELS`) and the current
    name of each township's stem (杨官屯乡 -> stem 杨官屯 -> 杨官屯乡; 肖家庄乡 -> 肖家庄镇)."""
    current: dict[str, str] = {}
    for name in names:
        for level in _TOWNSHIP_LEVELS:
            if name.endswith(level) and len(name) > len(level) + 1:
                current[name.removesuffix(level)] = name
                break
    stems = "|".join(re.escape(s) for s in sorted(current, key=len, reverse=True))
    levels = "|".join(_TOWNSHIP_LEVELS)
    return (f"^({stems})(?:{levels})" if stems else ""), current


def township_expr(text: pl.Expr) -> pl.Expr:
    """An address's leading township under the county profile's current name, whatever level
    word it is written with (`_TOWNSHIP_LEVELS`): 肖家庄乡前进村8号 -> 肖家庄镇前进村8号 when
    the profile's township is 肖家庄镇. Townships outside the profile are left as written."""
    from pipelines.settings import get_settings

    pattern, current = _township_renames(tuple(t.name for t in get_settings().county.townships))
    if not pattern:
        return text
    stem = text.str.extract(pattern, 1)
    named = stem.replace_strict(list(current), list(current.values()), default=None, return_dtype=pl.String)
    return pl.when(named.is_not_null()).then(named + text.str.replace(pattern, "")).otherwise(text)


_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def house_number_expr(text: pl.Expr) -> pl.Expr:
    """One spelling of the house number: 12号院 / 12号 / 12 -> 12号; 12号之一 / 12之1 / 12号-1 /
    12－1 -> 12-1号; 9栋 / 9幢 / 9号楼 -> 9号楼; a room's trailing 室 dropped (403室 -> 403号).

    Clerks write the same house all these ways; the suffix carries no information the digits
    do not, so it is unified rather than compared loosely (which would also join 12号 and 120号).
    """
    out = text.str.replace_many([f"之{k}" for k in _CHINESE_DIGITS], [f"之{v}" for v in _CHINESE_DIGITS.values()])
    out = out.str.replace_all(r"([0-9]+)号?(?:之|[-－—–])([0-9]+)号?", "$1-$2")
    out = out.str.replace_all(r"([0-9]+)号院", "${1}号")
    out = out.str.replace_all(r"([0-9]+)(?:栋|幢)", "${1}号楼")
    out = out.str.replace(r"室$", "")
    return out.str.replace(r"([0-9]+(?:-[0-9]+)?)$", "${1}号")


def address_expr(expr: pl.Expr) -> pl.Expr:
    """Address for comparison: normalised like a name (half-width, no whitespace, simplified),
    without the province/city/county in front (departments write or omit it, under current or
    historic names), with one spelling of the house-number suffix (`house_number_expr`)."""
    text = X.normalise_name_expr(expr)
    stripped = text.str.replace(DIVISION_PREFIX, "").str.replace(_county_prefix(), "")
    # nothing but a number left (北京市海淀区1号): the divisions were the place, keep them
    stripped = pl.when((stripped == "") | stripped.str.contains(r"^[0-9]")).then(text).otherwise(stripped)
    return house_number_expr(township_expr(stripped))


# A house number as `house_number_expr` writes it (12号, 12-1号; 9号楼 starts with one too).
_HOUSE_NUMBER = r"[0-9]+(?:-[0-9]+)?号"


def area_expr(addr: pl.Expr) -> pl.Expr:
    """A standardised address up to its first house number: the village, community or street
    (贾寨镇东胡寨村80号 -> 贾寨镇东胡寨村, 振兴街道南关社区胜利街235号13号楼... -> 振兴街道南关社区胜利街);
    an address without a house number is its own area. Null when nothing precedes the number."""
    area = addr.str.replace(_HOUSE_NUMBER + ".*$", "")
    return pl.when(area != "").then(area)


def _with_area(addresses: pl.DataFrame) -> pl.DataFrame:
    """`addr_n` with its `area_n` and `addr_open` (see the module docstring), once per distinct
    address."""
    return addresses.with_columns(
        per_distinct(
            addresses,
            "addr_n",
            {"area_n": area_expr(pl.col("addr_n")), "addr_open": ~pl.col("addr_n").str.contains(_HOUSE_NUMBER)},
        )
    )


def _as_of() -> date:
    from pipelines.settings import get_settings

    return get_settings().as_of


def standardise_persons(records: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """Raw person records (all text) -> records with the derived comparison columns.

    The whole frame at once: `standardise_person_rows` record by record, then
    `with_row_addresses`, which looks across the records of one delivered row.
    """
    return with_row_addresses(standardise_person_rows(records, as_of))


def with_row_addresses(std: pl.DataFrame) -> pl.DataFrame:
    """`row_addr_n` and `house_n` of standardised person records (`row_address`), and the
    issued keys (`issued_exprs`). Run on all
    the records together: a row's parties must be in one frame, so batched or per-partition
    standardising (`standardise_person_rows`) adds them afterwards."""
    out = std.with_columns(row_addr_n=row_address(std))
    # the issued keys read the record's role from `record_id`, which batched standardising
    # (one record per distinct content) does not keep apart: they are added here too
    return out.with_columns(pl.coalesce("addr_n", "row_addr_n").alias("house_n"), *issued_exprs())


def standardise_person_rows(records: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """The comparison columns each record gives by itself (its own values alone, so batches and
    repeats do not change them); everything of `standardise_persons` but the row addresses."""
    as_of = as_of or _as_of()
    frame = records.with_columns([pl.col(c).cast(pl.String) for c in records.columns])
    if "issued_key" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("issued_key"))
    names = per_distinct(frame, "name", {"name_n": X.normalise_name_expr("name")})
    readings = start_pinyin(names["name_n"])
    ids = frame.select(X.normalise_id_number_expr("id_number").alias("id_n"))
    # a number a spreadsheet turned into floating point (3.71503E+17) keeps six to fifteen
    # digits of eighteen: every such copy of a county's numbers looks alike, so it identifies
    # nobody; the record is treated as one without an ID number
    ids = ids.with_columns(pl.when(~pl.col("id_n").str.contains(r"^[0-9.]+[eE]\+?[0-9]+$")).then(pl.col("id_n")).alias("id_n"))
    ids = ids.with_columns(
        X.id_valid_expr("id_n", as_of).alias("id_valid"),
        _ymd(X.id_birth_date_expr("id_n")).alias("_id_dob"),
        X.id_gender_expr("id_n").alias("_id_gender"),
    )
    out = pl.concat(
        [
            frame,
            ids,
            names,
            per_distinct(frame, "birth_date", {"_dob": _ymd(X.parse_date_expr("birth_date"))}).with_columns(
                # a birth date after the as-of date cannot be one (a mistyped year): no evidence
                pl.when(pl.col("_dob") <= as_of.strftime("%Y%m%d")).then(pl.col("_dob")).alias("_dob")
            ),
            per_distinct(frame, "gender", {"_gender": gender_expr(pl.col("gender"))}),
            per_distinct(frame, "phone", {"phone_n": X.normalise_phone_expr("phone")}),
            _with_area(per_distinct(frame, "address", {"addr_n": address_expr(pl.col("address"))})),
        ],
        how="horizontal",
    )
    out = out.with_columns(
        pl.coalesce("_dob", pl.when(pl.col("id_valid")).then(pl.col("_id_dob"))).alias("dob"),
        pl.col("_dob").alias("dob_given"),
        pl.coalesce(pl.when(pl.col("id_valid")).then(pl.col("_id_gender")), "_gender").alias("gender_n"),
        pl.col("id_n").str.split("").list.sort().list.join("").alias("id_sorted"),
        # one mistyped digit spoils one of three parts (area, birth year-month, the rest):
        # the other two still agree
        (pl.col("id_n").str.slice(0, 6) + pl.col("id_n").str.slice(6, 6)).alias("id_ab"),
        (pl.col("id_n").str.slice(0, 6) + pl.col("id_n").str.slice(12)).alias("id_ac"),
        pl.col("id_n").str.slice(6).alias("id_bc"),
        pl.col("phone_n").str.slice(-7).alias("phone_tail"),
    ).drop("_dob", "_id_dob", "_id_gender", "_gender")
    # the GBK-masked reading (`name_pym`, see `name_snd3`) joins the readings on the table of
    # distinct names, so the sound keys are worked out once per name with it
    table = readings.result()
    table = table.with_columns(by_distinct(_unencodable_masked(table["_v"]), _first_reading, pl.String).alias("name_pym"))
    return pl.concat([out, pinyin_slots(out["name_n"], "name_py", table, "name_snd", ("name_pym",))], how="horizontal")


# Characters a GBK export cannot hold (CJK extension A, the end of the unified block, and every
# character outside the Basic Multilingual Plane, where most rare name characters are): such
# an export writes `?` instead, so 张林𧿹 arrives as 张林?
_UNENCODABLE = r"[\x{3400}-\x{4DBF}\x{9FA6}-\x{9FFF}\x{10000}-\x{10FFFF}]"
SOUND_SLOTS = PINYIN_SLOTS + 1


def _unencodable_masked(names: pl.Series) -> pl.Series:
    """A name holding a character a GBK export cannot hold, with each such character as `?`
    (the name that export delivers); null for every other name."""
    return names.to_frame("n").select(
        pl.when(pl.col("n").str.contains(_UNENCODABLE)).then(pl.col("n").str.replace_all(_UNENCODABLE, "?"))
    ).to_series()


def _first_reading(name: str) -> str | None:
    keys = standards.name_pinyin_keys(name)
    return keys[0] if keys else None


def issued_exprs() -> list[pl.Expr]:
    """`issued_group` (source and role) and `issued_n` (that and the key) of records carrying an
    `issued_key`: one record per person is issued per source *and role* (a birth certificate's
    child, not its parents), so the role, the `record_id` suffix after `#`, is part of both."""
    key = pl.col("issued_key").str.strip_chars()
    key = pl.when(key != "").then(key)
    role = pl.when(pl.col("record_id").str.contains("#", literal=True)).then(
        pl.col("record_id").str.extract(r"#([^#]*)$", 1)
    ).otherwise(pl.lit(""))
    group = pl.when(key.is_not_null()).then(pl.concat_str([pl.col("source"), role], separator="\x1f"))
    return [group.alias("issued_group"), pl.concat_str([group, key], separator="\x1f").alias("issued_n")]


def row_address(std: pl.DataFrame) -> pl.Series:
    """The address of the delivered row a record is named in, for records that carry no address,
    ID number or birth date of their own (null for every other record).

    A row can name several parties (`record_id` = `<row id>#<role>`, see the design's "Record
    identity"): a death record names the deceased, with an address, and a family contact, with
    a name and perhaps a phone; a birth certificate names the child, with the family's address,
    and the parents. The row's address is the household the contact or parent was named in: not
    their own address (they may live elsewhere), but the one place where the resolver can look
    for a person of that name (`persons.person_config`, rule `unique_name_household`). When the
    row's other parties give two different addresses (a marriage's husband and wife), the row
    says nothing. Only the rows holding such a record are looked at.
    """
    bare = (
        pl.col("addr_n").is_null() & pl.col("id_n").is_null() & pl.col("dob").is_null()
        & pl.col("name_n").is_not_null() & pl.col("record_id").str.contains("#", literal=True)
    )
    row = pl.col("record_id").str.replace(r"#[^#]*$", "")
    out = pl.repeat(None, std.height, dtype=pl.String, eager=True).alias("row_addr_n")
    at = np.flatnonzero(std.select(bare).to_series().fill_null(False).to_numpy())
    if len(at) == 0:
        return out
    wanted = std[at].select("source", row.alias("_row"), _at=pl.Series(at))
    addresses = (
        std.select("source", "record_id", "addr_n")
        .filter(pl.col("source").is_in(wanted["source"].unique().implode()) & pl.col("addr_n").is_not_null())
        .select("source", row.alias("_row"), "addr_n")
        .join(wanted, on=["source", "_row"], how="semi")
        .group_by("source", "_row")
        .agg(pl.col("addr_n").unique().alias("_a"))
        .filter(pl.col("_a").list.len() == 1)
        .select("source", "_row", pl.col("_a").list.first().alias("row_addr_n"))
    )
    found = wanted.join(addresses, on=["source", "_row"])
    return out.scatter(found["_at"], found["row_addr_n"]) if found.height else out


# Sounds a listener cannot tell apart in many accents, and a clerk types either way: retroflex
# and flat initials (zh/z, ch/c, sh/s) and front and back nasal finals (in/ing, en/eng, an/ang).
NEAR_SOUND = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"))


def near_sound_expr(reading: pl.Expr) -> pl.Expr:
    """A toneless pinyin reading with the distinctions of `NEAR_SOUND` merged (林 lin, 玲 ling
    -> lin; 张 zhang -> zan), so names that sound the same or nearly the same share a key."""
    out = reading
    for old, new in NEAR_SOUND:
        out = out.str.replace_all(old, new, literal=True)
    return out


def sound_keys(readings: list[str], prefix: str) -> list[pl.Expr]:
    """`<prefix>0..k` (near-sound key of each reading) and `<prefix>` (their distinct list)."""
    slots = [near_sound_expr(pl.col(c)).alias(f"{prefix}{i}") for i, c in enumerate(readings)]
    merged = pl.concat_list([near_sound_expr(pl.col(c)) for c in readings]).list.drop_nulls().list.unique(maintain_order=True)
    return [*slots, pl.when(merged.list.len() > 0).then(merged).alias(prefix)]


# Legal-form suffixes and generic words that differ between spellings of the same organisation.
_ORG_SUFFIX = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|股份公司|分公司|公司|专业合作社|合作社|个体工商户|个体户|"
    r"经营部|门市部|商行|商店|厂|店|中心|集团)$"
)


def org_core_expr(expr: pl.Expr) -> pl.Expr:
    """An organisation name without brackets, the county's place prefix and legal-form suffixes
    (a company is written with and without 有限公司, 山东, (茌平) ...)."""
    text = X.normalise_name_expr(expr).str.replace_all(r"[()（）]", "")
    text = text.str.replace(_county_prefix(), "")
    for _ in range(2):
        text = text.str.replace(_ORG_SUFFIX.pattern, "")
    return pl.when(text == "").then(X.normalise_name_expr(expr)).otherwise(text)


def standardise_orgs(records: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """Raw organisation records (all text) -> records with the derived comparison columns."""
    frame = records.with_columns([pl.col(c).cast(pl.String) for c in records.columns])
    reps = per_distinct(frame, "legal_rep", {"rep_n": X.normalise_name_expr("legal_rep")})
    readings = start_pinyin(reps["rep_n"])
    out = pl.concat(
        [
            frame,
            per_distinct(
                frame,
                "name",
                {"name_n": X.normalise_name_expr("name"), "name_core": org_core_expr(pl.col("name"))},
            ),
            per_distinct(
                frame,
                "uscc",
                {"uscc_n": X.normalise_credit_code_expr("uscc"), "uscc_valid": X.credit_code_valid_expr("uscc")},
            ),
            reps,
            per_distinct(frame, "address", {"addr_n": address_expr(pl.col("address"))}),
            per_distinct(frame, "phone", {"phone_n": X.normalise_phone_expr("phone")}),
            per_distinct(frame, "established", {"est": _ymd(X.parse_date_expr("established"))}),
        ],
        how="horizontal",
    )
    out = out.with_columns(
        by_distinct(out["uscc_n"], standards.credit_code_org_code, pl.String).alias("org_code"),
        pl.col("phone_n").str.slice(-7).alias("phone_tail"),
    )
    return pl.concat([out, pinyin_slots(out["rep_n"], "rep_py", readings.result())], how="horizontal")
