"""The pipeline stage: warehouse records in, er tables out; reruns are idempotent and a new
delivery keeps the ids of known entities."""

from __future__ import annotations

import polars as pl

from pipelines.resolve.stage import run_resolve
from pipelines.settings import Settings
from pipelines.warehouse import connect

from .conftest import background_orgs, background_persons


def _load(settings: Settings, persons: pl.DataFrame, orgs: pl.DataFrame | None) -> None:
    with connect(settings) as con:
        con.register("p", persons.with_columns(pl.lit("lineage").alias("_file")).to_arrow())
        con.execute("create or replace table staging.int_person_records as select * from p")
        if orgs is not None:
            con.register("o", orgs.to_arrow())
            con.execute("create or replace table staging.int_org_records as select * from o")


def _table(settings: Settings, sql: str) -> pl.DataFrame:
    with connect(settings, read_only=True) as con:
        frame = pl.from_arrow(con.execute(sql).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_stage_writes_er_tables_and_reruns_identically(tmp_settings: Settings) -> None:
    persons = background_persons(40)
    _load(tmp_settings, persons, background_orgs(20))
    counts = run_resolve(tmp_settings)
    assert counts["persons_in"] == counts["persons_out"] == persons.height
    assert counts["person_entities"] == 40
    assert counts["rows_in"] == counts["rows_out"]
    xref = _table(tmp_settings, "select * from er.person_xref order by all")
    assert xref.columns == ["source", "record_id", "person_id"]
    assert xref.height == persons.height
    pairs = _table(tmp_settings, "select * from er.person_pairs")
    assert {"cmp_name", "cmp_id_number", "match_weight", "match_probability", "decision", "reason", "rule"} <= set(pairs.columns)
    # every linked pair says which rule linked it; a pair left apart names none
    assert pairs.filter(pl.col("decision") == "match")["rule"].null_count() == 0
    assert pairs.filter(pl.col("decision") == "non_match")["rule"].is_null().all()
    assert _table(tmp_settings, "select count(*) as n from er.org_xref")["n"][0] > 0
    model = _table(tmp_settings, "select * from er.person_match_model")
    assert {"comparison", "level", "label", "m", "u", "weight"} <= set(model.columns)
    assert "prior" in model["comparison"].to_list()

    # resolved again on purpose (nothing changed, so it would be skipped: pipelines.unchanged)
    run_resolve(tmp_settings.model_copy(update={"skip_unchanged": False}))
    assert _table(tmp_settings, "select * from er.person_xref order by all").equals(xref)
    log = _table(tmp_settings, "select event, count(*) as n from er.person_id_log group by event")
    assert log.to_dicts() == [{"event": "new", "n": 40}]


def test_a_new_delivery_keeps_known_ids(tmp_settings: Settings) -> None:
    persons = background_persons(30)
    _load(tmp_settings, persons, None)
    run_resolve(tmp_settings)
    before = _table(tmp_settings, "select * from er.person_xref")
    # the power company redelivers: same rows under new record ids, plus nothing else
    redelivered = persons.with_columns(
        pl.when(pl.col("source") == "bg_power").then(pl.col("record_id") + "-v2").otherwise(pl.col("record_id")).alias("record_id")
    )
    _load(tmp_settings, redelivered, None)
    run_resolve(tmp_settings)
    after = _table(tmp_settings, "select * from er.person_xref")
    person_of = dict(zip(before["record_id"], before["person_id"], strict=True))
    for rid, pid in zip(after["record_id"], after["person_id"], strict=True):
        assert person_of[rid.removesuffix("-v2")] == pid
    assert _table(tmp_settings, "select count(*) as n from er.org_xref")["n"][0] == 0


def test_crosswalk_is_stored_in_record_order_whatever_order_records_arrive_in(tmp_settings: Settings) -> None:
    """Readers scan `er.person_xref` by source: it is stored sorted by (source, record_id) also
    when the staging table is not (the sort is skipped only for records already in order)."""
    persons = background_persons(30)
    _load(tmp_settings, persons.sort("record_id", descending=True), None)
    run_resolve(tmp_settings)
    stored = _table(tmp_settings, "select source, record_id from er.person_xref")
    assert stored.equals(stored.sort("source", "record_id"))
    assert stored.height == persons.height
