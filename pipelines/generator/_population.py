"""The county's true residents and households, with the year's vital events.

Households are built whole (head, spouse, children, an elderly parent) so that ages, surnames,
shared phones and twins are consistent the way a real register is. Every attribute here is the
truth the resolver is measured against; department extracts are derived from it and then damaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines.generator._checks import id_check_chars
from pipelines.generator._geography import Geography, snap_inside, streets, village_short
from pipelines.generator._names import sample_given_names, sample_surnames
from pipelines.errors import GovdataError
from pipelines.settings import CountyProfile

_SIZES = np.array([1, 2, 3, 4, 5, 6])
_SIZE_P = np.array([0.12, 0.28, 0.25, 0.20, 0.10, 0.05])
_ETHNIC = np.array(["汉族", "回族", "满族", "蒙古族", "壮族"])
_ETHNIC_P = np.array([0.988, 0.009, 0.0015, 0.001, 0.0005])
# Where people born elsewhere got their number: neighbouring counties, Jinan, other provinces.
_ELSEWHERE = np.array(
    ["371502", "371521", "371522", "371524", "371525", "371526", "371581", "370102",
     "370181", "371402", "130102", "410102", "372930"]
)
_MOBILE_PREFIX = np.array(
    ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
     "155", "156", "157", "158", "159", "176", "177", "178", "180", "181", "182", "183", "185",
     "186", "187", "188", "189", "191", "198", "199"]
)
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Population:
    """Truth frames: one row per person and per household."""

    persons: pl.DataFrame
    households: pl.DataFrame


# In a sharded run residents take sequence slots below this and migrants the ones above, so that
# the two never collide across shards; the whole county keeps its original 499 slots.
RESIDENT_SLOTS = 400


@dataclass
class ShardIds:
    """What one shard of a sharded population must know to keep identifiers county-unique.

    Attributes:
        index, count: this shard's position among `count` shards.
        person_offset, household_offset: identifiers already issued by earlier shards.
        sequence_counts: persons already numbered per (address code + birth date, gender) group
            (columns k, g, n), so a shard's ID numbers continue their group's sequence.
        migrant_ids: ID numbers of migrants of earlier shards (a migrant drawn twice is dropped).
    """

    index: int
    count: int
    person_offset: int = 0
    household_offset: int = 0
    sequence_counts: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"k": pl.String, "g": pl.Int8, "n": pl.Int64}))
    migrant_ids: pl.Series = field(default_factory=lambda: pl.Series("id_number", [], dtype=pl.String))

    def advance(self, population: Population) -> None:
        """Record what a finished shard issued, for the next one."""
        persons = population.persons
        residents = persons.filter(pl.col("resident"))
        self.index += 1
        self.person_offset = int(persons["person_id"].str.slice(1).cast(pl.Int64).max() or self.person_offset)
        self.household_offset += population.households.height
        groups = residents.select(k=pl.col("id_number").str.slice(0, 14), g=pl.col("gender")).group_by(
            "k", "g").agg(n=pl.len().cast(pl.Int64))
        self.sequence_counts = pl.concat([self.sequence_counts, groups]).group_by("k", "g").agg(
            pl.col("n").sum()).sort("k", "g")
        self.migrant_ids = pl.concat([self.migrant_ids, persons.filter(~pl.col("resident"))["id_number"]])


def _days(d: date) -> int:
    return (d - EPOCH).days


def issuing_codes(county: CountyProfile, birth_years: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """The county code valid when a resident's number was issued (at birth, or 1985 for elders)."""
    issue_year = np.maximum(birth_years, 1985)
    out = np.full(len(birth_years), county.code, dtype="U6")
    for hist in county.historic_codes:
        upper = hist.valid_to if hist.valid_to is not None else 9999
        out[(issue_year >= hist.valid_from) & (issue_year <= upper)] = hist.code
    return out


def _avoid_household_namesakes(
    rng: np.random.Generator,
    name: npt.NDArray[np.str_],
    surname: npt.NDArray[np.object_],
    gender: npt.NDArray[np.int8],
    birth_years: npt.NDArray[np.int64],
    hh: npt.NDArray[np.int64],
    twin_second: npt.NDArray[np.bool_],
) -> npt.NDArray[np.str_]:
    """Names with a household member's exact full name drawn again, once.

    Chinese families do not give a child the full name of a parent or sibling (naming taboo:
    a son never takes his father's name, siblings are told apart by name), but drawing given
    names independently from each era's popular names gives a son his father's 陈祥 or two
    brothers one 张伟 far more often. One redraw (from a stream spawned off `rng`, so every
    other value of the county stays the same) leaves such namesakes as rare as a second
    collision. Twins keep their paired names (built from their sibling's, never equal).
    """
    frame = pl.DataFrame({"hh": hh, "name": name})
    repeat = frame.select(pl.int_range(pl.len()).over("hh", "name") > 0).to_series().to_numpy() & ~twin_second
    at = np.flatnonzero(repeat)
    if len(at) == 0:
        return name
    (redraw,) = rng.spawn(1)
    fresh = sample_given_names(redraw, gender[at], birth_years[at])
    out = name.astype(object)
    out[at] = np.char.add(surname[at].astype(str), fresh.astype(str))
    return out.astype(str)


def build_population(
    rng: np.random.Generator, n_target: int, as_of: date, county: CountyProfile, geo: Geography,
    shard: ShardIds | None = None,
) -> Population:
    """About `n_target` residents in households, with births, deaths and moves in the last year.

    With `shard`, this is one block of households of a larger population: identifiers continue
    those of earlier shards and stay unique across all of them (see `ShardIds`).
    """
    sizes = rng.choice(_SIZES, size=int(n_target / 2.7 * 1.1) + 10, p=_SIZE_P)
    cut = int(np.searchsorted(np.cumsum(sizes), n_target)) + 1
    sizes = sizes[:cut]
    n_hh = len(sizes)
    hh = np.repeat(np.arange(n_hh), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(len(hh)) - starts[hh]
    n = len(hh)
    size_p = sizes[hh]

    married_hh = (sizes >= 2) & (rng.random(n_hh) < 0.88)
    has_parent_hh = (sizes >= 5) & (rng.random(n_hh) < 0.6)
    role = np.full(n, "子女", dtype=object)
    role[pos == 0] = "户主"
    role[(pos == 1) & married_hh[hh]] = "配偶"
    role[(pos == size_p - 1) & has_parent_hh[hh] & (pos >= 2)] = "父母"

    head_male = rng.random(n_hh) < 0.82
    head_age = np.where(
        sizes == 1, rng.integers(19, 92, n_hh), np.clip(rng.normal(48, 13, n_hh), 24, 88)
    ).astype(int)
    head_age = np.where(sizes >= 3, np.maximum(head_age, 26), head_age)
    gender = np.where(rng.random(n) < 0.515, 1, 2).astype(np.int8)
    age = np.zeros(n, dtype=int)
    is_head = role == "户主"
    is_spouse = role == "配偶"
    is_child = role == "子女"
    is_parent = role == "父母"
    gender[is_head] = np.where(head_male, 1, 2)[hh[is_head]]
    gender[is_spouse] = np.where(head_male, 2, 1)[hh[is_spouse]]
    age[is_head] = head_age[hh[is_head]]
    age[is_spouse] = np.clip(
        head_age[hh[is_spouse]] + np.where(head_male[hh[is_spouse]], -2, 2)
        + rng.normal(0, 3, is_spouse.sum()).astype(int), 20, 95
    )
    child_gap = rng.integers(21, 37, n)
    child_age = head_age[hh] - child_gap
    # A child the head was too young to have had at that gap is older than a newborn instead.
    redraw = rng.integers(1, np.maximum(head_age[hh] - 20, 2))
    age[is_child] = np.where(child_age < 0, redraw, child_age)[is_child]
    age[is_parent] = np.clip(head_age[hh[is_parent]] + rng.integers(22, 33, is_parent.sum()), 0, 101)

    as_of_days = _days(as_of)
    birth_days = as_of_days - (age * 365.25 + rng.integers(0, 365, n)).astype(int)

    # Twins: in some households the second child shares the first child's birth date.
    first_child = is_child & (pos == np.where(married_hh[hh], 2, 1))
    second_child = is_child & (pos == np.where(married_hh[hh], 3, 2))
    twin_hh = np.zeros(n_hh, dtype=bool)
    twin_hh[hh[second_child]] = rng.random(second_child.sum()) < 0.03
    twin_second = second_child & twin_hh[hh]
    first_idx = np.full(n_hh, -1)
    first_idx[hh[first_child]] = np.nonzero(first_child)[0]
    twin_of = np.full(n, -1)
    twin_of[twin_second] = first_idx[hh[twin_second]]
    twin_second &= twin_of >= 0
    birth_days[twin_second] = birth_days[twin_of[twin_second]]
    twin_of[np.nonzero(twin_second)[0]] = twin_of[twin_second]
    twin_of[~twin_second] = -1

    birth_dates = (np.datetime64(EPOCH) + birth_days.astype("timedelta64[D]")).astype("datetime64[D]")
    birth_years = birth_dates.astype("datetime64[Y]").astype(int) + 1970

    head_surname = sample_surnames(rng, n_hh)
    own_surname = sample_surnames(rng, n)
    spouse_surname = np.full(n_hh, "", dtype=object)
    spouse_surname[hh[is_spouse]] = own_surname[is_spouse]
    father_surname = np.where(head_male | ~married_hh, head_surname, spouse_surname)
    surname = own_surname.astype(object)
    surname[is_head] = head_surname[hh[is_head]]
    surname[is_child] = father_surname[hh[is_child]]
    parent_keeps = is_parent & (gender == 1) & head_male[hh]
    surname[parent_keeps] = head_surname[hh[parent_keeps]]
    given = sample_given_names(rng, gender, birth_years).astype(object)
    # A twin's given name shares its first character with the sibling's (子涵 / 子轩).
    tw = np.nonzero(twin_second)[0]
    if len(tw):
        sib_given = given[twin_of[tw]]
        alt = sample_given_names(rng, gender[tw], birth_years[tw], rare_rate=0.0)
        given[tw] = [s[0] + (a[-1] if a[-1] != s[-1] else "然") for s, a in zip(sib_given, alt, strict=True)]
    name = np.char.add(surname.astype(str), given.astype(str))
    name = _avoid_household_namesakes(rng, name, surname, gender, birth_years, hh, twin_second)

    marital = np.full(n, "未婚", dtype=object)
    marital[is_head & married_hh[hh]] = "已婚"
    marital[is_spouse] = "已婚"
    single_head = is_head & ~married_hh[hh]
    r = rng.random(n)
    marital[single_head & (age >= 65)] = np.where(r[single_head & (age >= 65)] < 0.7, "丧偶", "离婚")
    marital[single_head & (age >= 32) & (age < 65)] = np.where(
        r[single_head & (age >= 32) & (age < 65)] < 0.45, "离婚", "未婚")
    marital[is_parent] = np.where(r[is_parent] < 0.75, "丧偶", "已婚")

    ethnicity = _ETHNIC[rng.choice(len(_ETHNIC), n, p=_ETHNIC_P)]

    # ID numbers: issued where the person was registered, in the code valid that year.
    codes = issuing_codes(county, birth_years)
    elsewhere = rng.random(n) < np.where(is_spouse, 0.15, 0.03)
    codes[elsewhere] = _ELSEWHERE[rng.integers(0, len(_ELSEWHERE), elsewhere.sum())]
    birth_str = np.datetime_as_string(birth_dates, unit="D")
    ymd = np.char.replace(birth_str, "-", "")
    # Sequence numbers are unique within (address code, birth date, gender): rank within the
    # group plus one random offset per group, odd for men and even for women.
    seq_frame = pl.DataFrame(
        {"k": np.char.add(codes, ymd), "g": gender, "off": rng.integers(0, 200, n)}
    ).with_columns(
        rank=pl.int_range(pl.len()).over("k", "g"),
        off=pl.col("off").first().over("k", "g"),
    )
    if shard is None:
        slot = (seq_frame["rank"].to_numpy() + seq_frame["off"].to_numpy()) % 499
    else:
        slot = _shard_slots(seq_frame, shard)
    seq = 2 * slot + np.where(gender == 1, 1, 2)
    body = np.char.add(np.char.add(codes, ymd), np.char.zfill(seq.astype(str), 3))
    id_number = np.char.add(body, id_check_chars(body))

    # Phones: most adults have a mobile; children and many elders use the head's.
    prefix = _MOBILE_PREFIX[rng.integers(0, len(_MOBILE_PREFIX), n)]
    phone = np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)).astype(object)
    phone[(age >= 16) & (rng.random(n) < 0.06)] = None
    head_phone = np.empty(n_hh, dtype=object)
    head_phone[hh[is_head]] = phone[is_head]
    borrow = ((age < 16) | ((age > 72) & (rng.random(n) < 0.5))) & ~is_head
    phone[borrow] = head_phone[hh[borrow]]

    households = _households(rng, n_hh, sizes, geo, shard)

    # Events of the year before the as-of date.
    window_start = as_of_days - 365
    registered = birth_days + rng.integers(7, 60, n)
    moved_in = (rng.random(n) < 0.008) & (age >= 18)
    old_reg = np.maximum(birth_days, _days(date(1985, 1, 1))) + rng.integers(0, 3650, n)
    registered = np.where(age >= 1, np.minimum(old_reg, as_of_days - 400), registered)
    registered[moved_in] = rng.integers(window_start, as_of_days - 5, moved_in.sum())
    registered = np.minimum(registered, as_of_days - 1)
    registered = np.maximum(registered, birth_days)  # nobody is registered before being born
    death_p = np.clip(0.0006 * np.exp(0.09 * np.clip(age - 30, 0, None)), 0, 0.25)
    dies = (rng.random(n) < death_p) & ~moved_in & (registered < window_start)
    death_day = np.where(dies, rng.integers(window_start, as_of_days - 1, n), -1)
    moves_out = (rng.random(n) < 0.008) & ~dies & (age >= 18) & ~moved_in
    out_day = np.where(moves_out, rng.integers(window_start, as_of_days - 1, n), -1)
    # Marriages of the year: couples whose head is young and married get a recent date.
    young_couple = married_hh & (head_age <= 30) & (rng.random(n_hh) < 0.4)
    marriage_day_hh = np.where(young_couple, rng.integers(window_start, as_of_days - 1, n_hh), -1)
    marriage_day = np.where(is_head | is_spouse, marriage_day_hh[hh], -1)

    first_person = shard.person_offset if shard is not None else 0
    person_id = np.char.add("P", np.char.zfill(np.arange(first_person + 1, first_person + n + 1).astype(str), 8))
    spouse_of = np.full(n, -1)
    head_idx = starts[hh]
    spouse_of[is_spouse] = head_idx[is_spouse]
    spouse_pos_idx = starts + 1
    spouse_of[is_head & married_hh[hh]] = spouse_pos_idx[hh[is_head & married_hh[hh]]]

    def to_date(days: npt.NDArray[np.int64]) -> pl.Series:
        return masked(pl.Series(days, dtype=pl.Int32).cast(pl.Date), days >= 0)

    def person_ref(idx: npt.NDArray[np.int64]) -> pl.Series:
        return masked(pl.Series(person_id[np.maximum(idx, 0)]), idx >= 0)

    persons = pl.DataFrame(
        {
            "person_id": person_id,
            "name": name,
            "gender": gender,
            "birth_date": pl.Series(birth_days, dtype=pl.Int32).cast(pl.Date),
            "id_number": id_number,
            "ethnicity": ethnicity,
            "household_id": households["household_id"].to_numpy()[hh],
            "relation_to_head": role.astype(str),
            "marital_status": marital.astype(str),
            "phone": pl.Series(phone.tolist(), dtype=pl.String),  # a list: polars cannot cast objects led by None
            "registered_date": pl.Series(registered, dtype=pl.Int32).cast(pl.Date),
            "moved_in": moved_in,
            "death_date": to_date(death_day),
            "moved_out_date": to_date(out_day),
            "marriage_date": to_date(marriage_day),
            "spouse_id": person_ref(spouse_of),
            "twin_of": person_ref(twin_of),
        }
    )
    persons = persons.join(
        households.select("household_id", "household_no", "township_code", "village_code",
                          "address", "address_detail", "lon", "lat"),
        on="household_id", how="left", maintain_order="left",
    )
    persons = persons.with_columns(resident=pl.lit(True), hukou_address=pl.lit(None, dtype=pl.String))
    migrants = _migrants(rng, int(n * 0.04) + 1, as_of, households, person_offset=first_person + n)
    migrants = migrants.filter(~pl.col("id_number").is_in(persons["id_number"].implode()))
    if shard is not None:
        migrants = migrants.filter(~pl.col("id_number").is_in(shard.migrant_ids.implode()))
    persons = pl.concat([persons, migrants], how="diagonal_relaxed")
    return Population(persons=persons, households=households)


_HOMETOWNS = {
    "371502": "山东省聊城市东昌府区", "371521": "山东省聊城市阳谷县", "371522": "山东省聊城市莘县",
    "371524": "山东省聊城市东阿县", "371525": "山东省聊城市冠县", "371526": "山东省聊城市高唐县",
    "371581": "山东省临清市", "370102": "山东省济南市历下区", "371402": "山东省德州市德城区",
    "130102": "河北省石家庄市长安区", "410102": "河南省郑州市中原区", "372930": "山东省菏泽市郓城县",
}


def _migrants(rng: np.random.Generator, m: int, as_of: date, households: pl.DataFrame,
              person_offset: int) -> pl.DataFrame:
    """People living and working in the county without its household registration."""
    as_of_days = _days(as_of)
    gender = np.where(rng.random(m) < 0.55, 1, 2).astype(np.int8)
    age = rng.integers(18, 56, m)
    birth_days = as_of_days - (age * 365.25 + rng.integers(0, 365, m)).astype(int)
    birth_dates = (np.datetime64(EPOCH) + birth_days.astype("timedelta64[D]")).astype("datetime64[D]")
    birth_years = birth_dates.astype("datetime64[Y]").astype(int) + 1970
    codes = np.array(list(_HOMETOWNS))[rng.integers(0, len(_HOMETOWNS), m)]
    ymd = np.char.replace(np.datetime_as_string(birth_dates, unit="D"), "-", "")
    seq = 2 * rng.integers(400, 499, m) + np.where(gender == 1, 1, 2)
    body = np.char.add(np.char.add(codes, ymd), np.char.zfill(seq.astype(str), 3))
    id_number = np.char.add(body, id_check_chars(body))
    frame = pl.DataFrame({"id_number": id_number}).with_columns(dup=pl.int_range(pl.len()).over("id_number"))
    keep = (frame["dup"] == 0).to_numpy()
    name = np.char.add(sample_surnames(rng, m), sample_given_names(rng, gender, birth_years))
    prefix = _MOBILE_PREFIX[rng.integers(0, len(_MOBILE_PREFIX), m)]
    phone = np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, m).astype(str), 8))
    home = households.select(pl.all().gather(pl.Series(rng.integers(0, households.height, m))))
    return pl.DataFrame(
        {
            "person_id": np.char.add("P", np.char.zfill(np.arange(person_offset + 1, person_offset + m + 1).astype(str), 8)),
            "name": name,
            "gender": gender,
            "birth_date": pl.Series(birth_days, dtype=pl.Int32).cast(pl.Date),
            "id_number": id_number,
            "ethnicity": np.full(m, "汉族"),
            "marital_status": np.where(age >= 27, "已婚", "未婚"),
            "phone": phone,
            "moved_in": np.zeros(m, dtype=bool),
            "township_code": home["township_code"],
            "village_code": home["village_code"],
            "address": home["address"],
            "address_detail": home["address_detail"],
            "lon": home["lon"],
            "lat": home["lat"],
            "resident": np.zeros(m, dtype=bool),
            "hukou_address": pl.Series(codes).replace_strict(_HOMETOWNS)
            + pl.Series(rng.integers(1, 300, m).astype(str)) + "号",
        }
    ).filter(pl.Series(keep))


def masked(values: pl.Series, keep: npt.NDArray[np.bool_]) -> pl.Series:
    """`values` with nulls where `keep` is false."""
    return pl.select(pl.when(pl.Series(keep)).then(values)).to_series().alias(values.name)


def _shard_slots(seq_frame: pl.DataFrame, shard: ShardIds) -> npt.NDArray[np.int64]:
    """Sequence slots of a shard's residents: their rank in the (code + birth date, gender) group
    after the persons earlier shards numbered in it, from an offset fixed by the group itself
    (the same in every shard), so a group's numbers never repeat across shards."""
    frame = seq_frame.select("k", "g", "rank").join(
        shard.sequence_counts, on=["k", "g"], how="left", maintain_order="left")
    ymd = frame["k"].str.slice(6, 8).cast(pl.Int64)
    off = ((ymd * 7 + frame["k"].str.slice(0, 6).cast(pl.Int64) * 3 + frame["g"].cast(pl.Int64)) % 200).to_numpy()
    taken = frame["n"].fill_null(0).to_numpy() + frame["rank"].to_numpy()
    if taken.max(initial=0) >= RESIDENT_SLOTS:
        raise GovdataError(f"more than {RESIDENT_SLOTS} residents share an ID-number area code, birth date and gender")
    return (taken + off) % RESIDENT_SLOTS


def _households(rng: np.random.Generator, n_hh: int, sizes: npt.NDArray[np.int64], geo: Geography,
                shard: ShardIds | None = None) -> pl.DataFrame:
    """One standard address per household: villages get 'N号', communities street addresses."""
    tw = geo.townships
    tw_idx = rng.choice(tw.height, n_hh, p=tw["share"].to_numpy())
    villages = geo.villages.with_columns(short=village_short(pl.col("village_name")))
    vill_by_tw = villages.group_by("township_code", maintain_order=True).agg(pl.len().alias("k"))
    tw_codes = tw["township_code"].to_numpy()
    # Pick a village inside the household's township.
    vdf = villages.with_row_index("vi")
    first = vdf.group_by("township_code", maintain_order=True).agg(pl.col("vi").min().alias("f"))
    lookup = tw.select("township_code").join(first, on="township_code", how="left", maintain_order="left").join(
        vill_by_tw, on="township_code", how="left", maintain_order="left")
    f = lookup["f"].to_numpy()[tw_idx]
    k = lookup["k"].to_numpy()[tw_idx]
    # Communities hold half the people of a subdistrict, a fifth of a town.
    is_sub = tw["is_subdistrict"].to_numpy()[tw_idx]
    comm_count = np.where(is_sub, 8, 2)
    want_comm = rng.random(n_hh) < np.where(is_sub, 0.7, 0.15)
    pick = np.where(want_comm, rng.integers(0, 10**9, n_hh) % comm_count,
                    comm_count + rng.integers(0, 10**9, n_hh) % (k - comm_count))
    vi = f + pick
    v = vdf.select(pl.all().gather(pl.Series(vi)))
    is_comm = v["is_community"].to_numpy()
    street = streets()[rng.integers(0, len(streets()), n_hh)]
    house_no = rng.integers(1, 320, n_hh).astype(str)
    building = rng.integers(1, 30, n_hh).astype(str)
    unit = rng.integers(1, 5, n_hh).astype(str)
    room = np.char.add(rng.integers(1, 19, n_hh).astype(str), np.char.zfill(rng.integers(1, 5, n_hh).astype(str), 2))
    urban = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(street, house_no), "号"), building),
                        np.char.add("号楼", unit)), np.char.add(np.char.add("单元", room), "室"))
    rural = np.char.add(house_no, "号")
    short = v["short"].to_numpy().astype(str)
    detail = np.where(is_comm, np.char.add(short, urban), np.char.add(short, rural))
    tw_name = tw["township_name"].to_numpy()[tw_idx]
    first = shard.household_offset if shard is not None else 0
    hh_ids = np.char.add("H", np.char.zfill(np.arange(first + 1, first + n_hh + 1).astype(str), 7))
    serial = rng.permutation(n_hh) + 1
    if shard is not None:
        # Household numbers are unique within a township: each shard takes every count-th
        # serial (its own residue), in a random order within the township.
        rank = pl.DataFrame({"t": tw_idx, "s": serial}).select(
            pl.col("s").rank("ordinal").over("t").cast(pl.Int64) - 1)["s"].to_numpy()
        serial = 1 + shard.index + shard.count * rank
        if serial.max(initial=0) > 999_999:
            raise GovdataError("a township has more households than six-digit household numbers hold")
    household_no = np.char.add(np.char.zfill((tw_idx + 1).astype(str), 3), np.char.zfill(serial.astype(str), 6))
    v_lon, v_lat = v["lon"].to_numpy(), v["lat"].to_numpy()
    h_lon, h_lat = snap_inside(v_lon + rng.normal(0, 0.004, n_hh), v_lat + rng.normal(0, 0.003, n_hh),
                               tw_codes[tw_idx], tw, fallback=(v_lon, v_lat))
    frame = pl.DataFrame(
        {
            "household_id": hh_ids,
            "household_no": household_no,
            "size": sizes,
            "township_code": tw_codes[tw_idx],
            "township_name": tw_name,
            "village_code": v["village_code"],
            "village_name": v["village_name"],
            "address_detail": detail,
            "lon": h_lon,
            "lat": h_lat,
        }
    )
    return frame.with_columns(address=pl.concat_str(pl.col("township_name"), pl.col("address_detail")))


def window_start(as_of: date) -> date:
    """First day of the twelve months the deliveries cover."""
    return as_of - timedelta(days=365)
