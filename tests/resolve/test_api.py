"""`resolve_file`: one output row per input row, deterministic ids, metrics with a truth file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.resolve.api import ResolveInputError, resolve_file, resolve_persons

from .conftest import background_persons, frame


def _records() -> pl.DataFrame:
    messy = frame(
        [
            {"source": "x", "record_id": "dup", "name": "周杰"},
            {"source": "x", "record_id": "dup", "name": "周杰"},  # a repeated key is kept twice
            {"source": "x", "record_id": "empty"},  # nothing but a key
            {"source": "y", "record_id": "junk", "name": "　", "id_number": "3.71523E+17", "birth_date": "01/02/2020", "phone": "abc"},
        ]
    )
    return pl.concat([background_persons(60), messy])


def test_output_keeps_every_input_row_exactly_once_in_order(tmp_path: Path) -> None:
    records = _records()
    records.write_parquet(tmp_path / "in.parquet")
    assert resolve_file("persons", tmp_path / "in.parquet", tmp_path / "out.parquet") is None
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.columns == ["source", "record_id", "entity_id"]
    assert out.select("source", "record_id").equals(records.select("source", "record_id"))
    assert out["entity_id"].null_count() == 0


def test_the_same_input_in_any_order_gives_the_same_ids() -> None:
    records = _records().filter(pl.col("record_id") != "dup")
    first = resolve_persons(records).xref
    shuffled = resolve_persons(records.sample(fraction=1.0, shuffle=True, seed=3)).xref
    joined = first.join(shuffled, on=["source", "record_id"], suffix="_2")
    assert joined.height == records.height
    assert (joined["entity_id"] == joined["entity_id_2"]).all()


def test_truth_gives_pairwise_and_bcubed_metrics(tmp_path: Path) -> None:
    records = background_persons(60)
    records.write_parquet(tmp_path / "in.parquet")
    truth = records.select("source", "record_id", pl.col("record_id").str.extract(r"^(bg\d+)-", 1).alias("true_id"))
    truth.write_parquet(tmp_path / "truth.parquet")
    metrics = resolve_file("persons", tmp_path / "in.parquet", tmp_path / "out.parquet", tmp_path / "truth.parquet")
    assert metrics is not None
    assert set(metrics) == {
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
    }
    assert metrics["pairwise_f1"] >= 0.99


def test_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    background_persons(5).drop("phone").write_parquet(tmp_path / "in.parquet")
    with pytest.raises(ResolveInputError, match="phone"):
        resolve_file("persons", tmp_path / "in.parquet", tmp_path / "out.parquet")
    with pytest.raises(ResolveInputError, match="does not exist"):
        resolve_file("orgs", tmp_path / "nope.parquet", tmp_path / "out.parquet")


def test_issued_key_is_optional_and_keeps_two_certificates_apart(tmp_path: Path) -> None:
    """An input without `issued_key` resolves; with it, two birth certificates of unnamed twins
    (same date, gender and house, nothing else to tell them apart) are two children."""
    twins = [
        {"source": "birth", "record_id": f"c{k}#self", "birth_date": "2026-02-14", "gender": "女", "address": "乐平铺镇后屯村31号",
         "issued_key": f"Q3715232600{k}"}
        for k in (1, 2)
    ]
    with_key = pl.concat([background_persons(60), frame(twins)])
    without = with_key.drop("issued_key")
    with_key.write_parquet(tmp_path / "in.parquet")
    resolve_file("persons", tmp_path / "in.parquet", tmp_path / "out.parquet")
    ids = dict(zip(*pl.read_parquet(tmp_path / "out.parquet").select("record_id", "entity_id").get_columns(), strict=True))
    assert ids["c1#self"] != ids["c2#self"]
    plain = resolve_persons(without).xref
    assert plain.select("source", "record_id").equals(without.select("source", "record_id"))
    assert plain["entity_id"].null_count() == 0


def test_a_file_with_no_phone_at_all_links_its_sparse_records() -> None:
    """A column no record fills (here every phone is missing) leaves the unique-evidence rule on
    it with nothing to judge (it failed with an IndexError); the house rule still links the
    account to the register person."""
    people = background_persons(60).with_columns(phone=pl.lit(None, pl.String))
    sparse = frame(
        [
            {"source": "register", "record_id": "1", "name": "李娟", "id_number": "371523198502023459",
             "birth_date": "1985-02-02", "address": "贾寨镇东胡寨村81号"},
            {"source": "register", "record_id": "2", "name": "张强", "id_number": "371523199001011236",
             "birth_date": "1990-01-01", "address": "贾寨镇东胡寨村80号"},
            {"source": "power", "record_id": "a", "name": "李 娟", "address": "山东省聊城市茌平区贾寨镇东胡寨村81号"},
        ]
    )
    records = pl.concat([people, sparse])
    out = resolve_persons(records).xref
    ids = dict(zip(out["record_id"], out["entity_id"], strict=True))
    assert ids["a"] == ids["1"] != ids["2"]
