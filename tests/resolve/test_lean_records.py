"""The resolver's lean path (issue 22): `resolve_person_records` / `resolve_org_records` drop
the raw text while standardising, release the per-record standard forms once the records are
collapsed, and build the id map's keys at the end from two parts per record. None of that may
change a result: the crosswalk, the audit of pairs, the model and the keys must be those of
resolving the whole standardised frame (`resolve`, `person_keys`), which Spark still does.

The keys are compared with their formula written out here: the id map carries entity ids
across runs by them, so their values must never change.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import pipelines.resolve.engine as engine
from pipelines.resolve.engine import resolve
from pipelines.resolve.orgs import org_config, resolve_org_records
from pipelines.resolve.persons import person_config, resolve_person_records
from pipelines.resolve.standardise import standardise_orgs, standardise_persons
from tests.resolve.conftest import background_orgs, background_persons, frame, id18

AS_OF = date(2026, 11, 1)


def _reference_keys(std: pl.DataFrame, columns: tuple[str, ...], valid: str, ident: str) -> pl.DataFrame:
    """The id-map keys as main computed them from the whole standardised frame."""
    content = pl.concat_str([pl.col(c).fill_null("") for c in columns], separator="|").hash(seed=11)
    return std.select(
        "source",
        "record_id",
        pl.concat_list(
            pl.lit("r:") + pl.col("source") + pl.lit("|") + pl.col("record_id"),
            pl.lit("f:") + content.cast(pl.String),
            pl.when(pl.col(valid)).then(pl.lit("i:") + pl.col(ident)),
        )
        .list.drop_nulls()
        .alias("keys"),
    )


PERSON_KEY_COLUMNS = ("source", "name_n", "id_n", "dob", "gender_n", "phone_n", "addr_n")
ORG_KEY_COLUMNS = ("source", "name_n", "uscc_n", "rep_n", "addr_n", "phone_n", "est")


def _persons() -> pl.DataFrame:
    """Ordinary residents, each delivered twice (a payment roll's months: identical content,
    other record ids, so they are collapsed), a death row naming a bare contact, a record with
    an invalid ID number and one with none."""
    base = pl.concat(
        [
            background_persons(60),
            frame(
                [
                    {"source": "weijian", "record_id": "d1#deceased", "name": "赵一", "id_number": id18("37152319500101001"),
                     "birth_date": "1950-01-01", "address": "菜屯镇赵庄村1号"},
                    {"source": "weijian", "record_id": "d1#contact", "name": "赵四"},
                    {"source": "gongdian", "record_id": "u1", "name": "赵四", "address": "菜屯镇赵庄村1号"},
                    {"source": "shebao", "record_id": "x1", "name": "钱多", "id_number": "371523195001010019",
                     "birth_date": "1950-01-01"},
                ]
            ),
        ],
        how="diagonal_relaxed",
    )
    repeated = pl.concat([base, base.with_columns(pl.col("record_id") + "-m2")])
    return repeated.sample(fraction=1.0, shuffle=True, seed=11)


@pytest.mark.parametrize("partition_records", [37, 10**6])
def test_lean_persons_equal_resolving_the_standardised_frame(partition_records: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small partitions put copies of one content in different batches (and a group of
    identical records across a batch boundary); one large partition takes the whole-frame path."""
    monkeypatch.setattr(engine, "settings_partition_records", lambda: partition_records)
    records = _persons()
    lean = resolve_person_records(records, AS_OF)
    std = standardise_persons(records, AS_OF)
    whole = resolve(std, person_config())
    assert lean.xref.equals(whole.xref)
    assert lean.pairs.equals(whole.pairs)
    assert lean.model.describe().equals(whole.model.describe())
    assert engine.key_lists(lean.keys).equals(_reference_keys(std, PERSON_KEY_COLUMNS, "id_valid", "id_n"))
    assert lean.stats["distinct_records"] < lean.stats["records"]  # the copies were collapsed
    # the input is left as it was (the raw text is dropped from the resolver's copies only)
    assert records.equals(_persons())


def test_collapsing_releases_the_columns_it_gathers() -> None:
    """The distinct records are gathered a column at a time, each column of the standardised
    records released once gathered (so the two are not held whole side by side): the result is
    what gathering them whole gives, and the standardised records keep only their keys and
    the columns resolution does not read."""
    config = person_config()
    records = _persons()
    keep = [*engine.resolution_columns(config), "issued_key"]
    std = engine.standardise_distinct(standardise_persons, records, AS_OF, config, keep=keep)
    columns = [c for c in std.order if c in set(engine.resolution_columns(config))]
    before = engine.Standardised(std.records.clone(), std.contents.clone(), list(std.order))
    collapsed = engine.collapse_records(std, config)
    expected = before.gather(collapsed.reps, columns)
    assert collapsed.distinct.select(columns).equals(expected)
    assert collapsed.keys.equals(before.records.select("source", "record_id"))
    assert not (set(columns) - {"source", "record_id"}) & set(std.contents.columns)
    assert set(std.records.columns) <= {"source", "record_id", "_c", "issued_key"}


def test_the_audit_tables_descriptions_are_enums_of_their_texts() -> None:
    """Millions of pairs repeat a few texts: the resolver holds them as enums (one byte a row),
    whose values are the texts auditors read; a copy collapsed onto its representative is
    `identical content` and linked by `identical_content`."""
    pairs = resolve_person_records(_persons(), AS_OF).pairs
    for column in ("blocked_by", "decision", "reason", "rule"):
        assert isinstance(pairs.schema[column], pl.Enum), column
    assert set(pairs["decision"].cast(pl.String)) == {"match", "non_match"}
    copies = pairs.filter(pl.col("blocked_by") == "identical content")
    assert copies.height > 0
    assert set(copies["rule"].cast(pl.String)) == {"identical_content"}
    assert set(pairs["blocked_by"].cast(pl.String)) <= {r.name for r in person_config().blocking} | {"identical content"}


def test_lean_persons_keys_carry_the_valid_id_only() -> None:
    records = frame(
        [
            {"source": "hukou", "record_id": "a", "name": "孙明", "id_number": id18("37152319800101005"), "birth_date": "1980-01-01"},
            {"source": "hukou", "record_id": "b", "name": "孙明", "id_number": "371523198001010050"},
        ]
    )
    result = engine.key_lists(resolve_person_records(records, AS_OF).keys)
    keys = dict(zip(result["record_id"], result["keys"].to_list(), strict=True))
    assert keys["a"][0] == "r:hukou|a" and keys["a"][1].startswith("f:")
    assert keys["a"][2] == "i:" + id18("37152319800101005")
    assert len(keys["b"]) == 2  # an ID number failing its checksum is no key


@pytest.mark.parametrize("partition_records", [29, 10**6])
def test_lean_orgs_equal_resolving_the_standardised_frame(partition_records: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "settings_partition_records", lambda: partition_records)
    base = background_orgs(40)
    records = pl.concat([base, base.with_columns(pl.col("record_id") + "-m2")]).sample(fraction=1.0, shuffle=True, seed=3)
    lean = resolve_org_records(records, AS_OF)
    std = standardise_orgs(records, AS_OF)
    whole = resolve(std, org_config())
    assert lean.xref.equals(whole.xref)
    assert lean.pairs.equals(whole.pairs)
    assert engine.key_lists(lean.keys).equals(_reference_keys(std, ORG_KEY_COLUMNS, "uscc_valid", "uscc_n"))


@pytest.mark.parametrize("kind", ["persons", "orgs"])
def test_lean_path_on_an_empty_kind_and_a_single_record(kind: str) -> None:
    """A county may deliver no organisation at all, or one: the result has the usual columns
    and one crosswalk and key row per record."""
    run = resolve_person_records if kind == "persons" else resolve_org_records
    one = (
        frame([{"source": "hukou", "record_id": "only", "name": "周一", "id_number": id18("37152319900101006")}])
        if kind == "persons"
        else frame([{"source": "shichang", "record_id": "only", "name": "茌平便民超市"}], kind="orgs")
    )
    empty = run(one.clear(), AS_OF)
    assert empty.xref.height == 0 and empty.keys.height == 0 and empty.pairs.height == 0
    assert empty.xref.columns == ["source", "record_id", "entity_id"]
    assert empty.keys.columns == ["source", "record_id", "fingerprint", "identifier"]
    single = run(one, AS_OF)
    assert single.xref["record_id"].to_list() == ["only"]
    source = "hukou" if kind == "persons" else "shichang"
    assert engine.key_lists(single.keys)["keys"].to_list()[0][0] == f"r:{source}|only"
    assert single.pairs.height == 0
    assert single.pairs.columns == empty.pairs.columns


def test_record_keys_are_parts_that_make_the_keys() -> None:
    """Each record's key parts make its keys: a null identifier leaves its key out, a null
    record key leaves the `r:` key out (the id map makes them the same way, `test_idmap`)."""
    keys = pl.DataFrame({"source": ["a", "a", "b", None, "c"], "record_id": ["1", "2", "3", "4", "5"]})
    fingerprint = pl.Series("f", [11, 12, 13, 14, 15], dtype=pl.UInt64)
    identifier = pl.Series("i", ["X1", None, "X3", None, "X5"], dtype=pl.String)
    parts = engine.record_keys(keys, fingerprint, identifier)
    assert parts.columns == ["source", "record_id", "fingerprint", "identifier"]
    whole = engine.key_lists(parts)
    assert whole["keys"].to_list()[:2] == [["r:a|1", "f:11", "i:X1"], ["r:a|2", "f:12"]]
    assert whole["keys"].to_list()[3] == ["f:14"]

