"""Person resolution: the configuration of the engine for residents' records.

Blocking keys (any one agreeing makes a pair a candidate):
    ID number; pinyin + ID characters sorted (survives a transposition); two of the ID's three
    parts (area / birth year-month / the rest), with the pinyin where the parts are common
    (survives one mistyped digit); name + birth date; each pinyin
    reading + birth date (homophones, heteronym surnames, traditional spellings); name + phone;
    pinyin + phone tail; near-sound key + address (or the address of the row a bare name is
    named in); near-sound key + village or street (`area_n`, for the unique-evidence rule on
    an address without its house number); birth date + phone; birth date + address (a newborn's
    birth record without a name); phone + address (a household).
Comparisons: name (exact / same sound / similar / different, term-frequency adjusted so that
张伟 weighs less than a rare name), ID number (exact / one slip / two slips / different; two
different checksum-valid numbers never match), birth date (exact / day-month swapped / one
component / within a year), gender, phone (exact / last 7 digits), address (character ratio).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.resolve.blocking import BlockingRule
from pipelines.resolve.compare import DateMatch, ExactMatch, IdentifierMatch, NameMatch, PhoneMatch, char_ratio
from pipelines.resolve.engine import (
    DistinctContents,
    KeepApart,
    ResolverConfig,
    UniqueEvidence,
    collapse_records,
    record_keys,
    resolution_columns,
    resolve_collapsed,
    standardise_distinct,
)
from pipelines.resolve.model import Resolution
from pipelines.resolve.standardise import PINYIN_SLOTS, SOUND_SLOTS, standardise_person_rows, with_row_addresses

PINYIN = tuple(f"name_py{i}" for i in range(PINYIN_SLOTS))
SOUND = tuple(f"name_snd{i}" for i in range(SOUND_SLOTS))


def person_config() -> ResolverConfig:
    """The person resolver's blocking, comparisons and decision rules."""
    comparisons = (
        NameMatch(name="name", column="name_n", pinyin_columns=PINYIN, term_frequency="name_n", evidence=False),
        IdentifierMatch(name="id_number", column="id_n", valid_column="id_valid"),
        DateMatch(name="birth_date", column="dob", given_column="dob_given"),
        ExactMatch(name="gender", column="gender_n", evidence=False),
        PhoneMatch(name="phone", column="phone_n", tail_column="phone_tail"),
        char_ratio("address", "addr_n", (0.9, 0.75)),
    )
    blocking = (
        BlockingRule("id_number", ("id_n",)),
        BlockingRule("pinyin_id_sorted", ("name_py0", "id_sorted"), masks=("id_number",)),
        BlockingRule("pinyin_id_ab", ("name_py0", "id_ab"), masks=("id_number",)),
        BlockingRule("pinyin_id_ac", ("name_py0", "id_ac"), masks=("id_number",)),
        BlockingRule("id_bc", ("id_bc",), masks=("id_number",)),
        BlockingRule("name_dob", ("name_n", "dob")),
        *(BlockingRule(f"pinyin{i}_dob", (p, "dob")) for i, p in enumerate(PINYIN)),
        BlockingRule("name_phone", ("name_n", "phone_n")),
        BlockingRule("pinyin_phone_tail", ("name_py0", "phone_tail")),
        # house_n is the address, or for a bare name (a death record's family contact) the
        # address of the row it is named in
        BlockingRule("sound_address", ("name_snd", "house_n"), masks=("name", "address")),
        # an address without its house number (a village, a street) against the houses there:
        # for the unique-evidence rule `unique_name_area` only, so its pairs do not train m
        BlockingRule("sound_area", ("name_snd", "area_n"), max_block=30, masks=tuple(c.name for c in comparisons)),
        BlockingRule("dob_phone", ("dob", "phone_n")),
        # a newborn's birth record may have no name yet; a household shares phone and address
        BlockingRule("dob_address", ("dob", "addr_n")),
        BlockingRule("phone_address", ("phone_n", "addr_n"), max_block=30),
    )
    return ResolverConfig(
        prefix="P",
        comparisons=comparisons,
        blocking=blocking,
        collapse_on="id_n",
        identifier=("id_n", "id_valid"),
        # a birth certificate per child, a death certificate per deceased (Party.one_per_person)
        issued=("issued_group", "issued_n"),
        name="name",
        agree_levels={"id_number": 2, "birth_date": 3, "phone": 2, "address": 3},
        # records with neither ID number nor birth date (utility accounts, hand-kept lists):
        # linked on a name that sounds the same at one house (their own, or for a bare name the
        # house of the row it is named in) or phone, when that is unique
        sparse_columns=("id_n", "dob"),
        sound_columns=SOUND,
        unique_evidence=(
            UniqueEvidence(
                "unique_name_address",
                "no ID number or birth date: the only person at the house whose name sounds the same",
                "addr_n",
            ),
            UniqueEvidence(
                "unique_name_household",
                "no address, ID number or birth date of its own: the only person whose name sounds the same"
                " at the house of the record it is named in (a death record's family contact)",
                "addr_n",
                sparse_place="row_addr_n",
            ),
            UniqueEvidence(
                "unique_name_phone",
                "no ID number or birth date: the only person with the phone whose name sounds the same",
                "phone_n",
            ),
            # a clerk left the house number out (东胡寨村 for 东胡寨村80号): the village or street
            # is the place, so only a name rare enough there is evidence (people there x the
            # sound's share at most half the house rule's), and the people there are many
            UniqueEvidence(
                "unique_name_area",
                "no ID number or birth date, the house number missing on one side: the only person"
                " in the village or street whose name sounds the same, and the name is rare there",
                "area_n",
                max_people=5000,
                max_expected=0.05,
                open_column="addr_open",
            ),
        ),
        keep_apart=(
            KeepApart(
                "possible twins: same birth date and address, different names",
                when=(("name", "<", 2), ("birth_date", "==", 4), ("address", "==", 3)),
                unless=(("id_number", 2),),
            ),
            KeepApart(
                "conflicting birth dates (not a swap or a one-part slip)",
                when=(("birth_date", "<=", 1),),
                unless=(("id_number", 2),),
            ),
        ),
    )


def person_key_parts(std: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Per record, the content fingerprint and the valid ID number (null if none) that
    `engine.record_keys` turns into the id map's keys; a hash and one short string per record,
    taken before resolution so the standardised frame need not outlive it."""
    content = pl.concat_str(
        [pl.col(c).fill_null("") for c in ("source", "name_n", "id_n", "dob", "gender_n", "phone_n", "addr_n")],
        separator="|",
    ).hash(seed=11)
    parts = std.select(content.alias("f"), pl.when(pl.col("id_valid")).then(pl.col("id_n")).alias("i"))
    return parts["f"], parts["i"]


def person_keys(std: pl.DataFrame) -> pl.DataFrame:
    """Persistent keys of each record for the id map (record, content fingerprint, valid ID)."""
    return record_keys(std.select("source", "record_id"), *person_key_parts(std))


def resolve_person_records(records: pl.DataFrame | DistinctContents, as_of: date | None = None) -> Resolution:
    """Standardise raw person records and resolve them (see module docstring).

    Memory: each distinct content is standardised and kept once, without its raw text
    (`standardise_distinct`); per record only the key, the content's row and the columns that
    read the record's own id (row address, issued keys) are kept, and the records are released
    once collapsed (`collapse_records`), so only the key parts (`person_key_parts`, taken per
    content) and the distinct records are carried into resolution."""
    config = person_config()
    # the row addresses look across each delivered row's records (and the issued keys read the
    # raw `issued_key` and the record's role): per record, from the few columns they read
    keep = [*resolution_columns(config), "issued_key"]
    std = standardise_distinct(standardise_person_rows, records, as_of, config, keep=keep)
    del records
    rowwise = with_row_addresses(std.gather(None, ["source", "record_id", "addr_n", "id_n", "dob", "name_n", "issued_key"]))
    std = std.with_own(rowwise.select("row_addr_n", "house_n", "issued_group", "issued_n"))
    del rowwise
    at = std.records["_c"]
    parts = [part.gather(at) for part in person_key_parts(std.contents)]
    collapsed = collapse_records(std, config)
    del std
    resolution = resolve_collapsed(collapsed, config)
    resolution.keys = record_keys(collapsed.keys, *parts)
    return resolution
