"""Resolution on Spark (issue 22) gives the same clusters as the local engine.

A local Spark session (`local[2]`, from the settings) on crafted records: tidy background
residents plus the traps whose rules must hold across partitions (twins, two valid ID numbers
under one name and birth date, a sparse account). Many blocking partitions make sure records
of one entity are blocked, compared and clustered in different tasks.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.resolve.api import resolve_orgs, resolve_persons
from pipelines.spark.session import java_available
from tests.resolve.conftest import background_persons, frame, id18

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not java_available(), reason="Spark needs Java 17 (`java` on PATH or JAVA_HOME)"),
]

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - pyspark types
    import os
    import sys

    from pipelines.settings import get_settings
    from pipelines.spark.session import spark_session

    # Spark's Python workers run this interpreter (its packages), not the system's python3
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    base = get_settings()
    root = tmp_path_factory.mktemp("spark")
    settings = base.model_copy(update={"root": root, "spark": base.spark.model_copy(update={"lake": root / "lake", "shuffle_partitions": 4})})
    session = spark_session(settings)
    yield session


def _traps() -> pl.DataFrame:
    twin_a, twin_b = id18("37152320100301001"), id18("37152320100301002")
    rows = [
        {"source": "hukou", "record_id": "t1", "name": "王大明", "id_number": twin_a, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "hukou", "record_id": "t2", "name": "王小明", "id_number": twin_b, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "jiaoyu", "record_id": "t3", "name": "王大明", "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "jiaoyu", "record_id": "t4", "name": "王小明", "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号"},
        # two valid ID numbers under one name, birth date and phone, and a bridge without ID:
        # the chain c1 - c3 - c2 must not join c1 and c2, wherever their pairs are scored
        {"source": "hukou", "record_id": "c1", "name": "张伟", "id_number": id18("37152319800101003"), "birth_date": "1980-01-01", "phone": "13900000002"},
        {"source": "shebao", "record_id": "c2", "name": "张伟", "id_number": id18("37152319800101004"), "birth_date": "1980-01-01", "phone": "13900000002"},
        {"source": "weijian", "record_id": "c3", "name": "张伟", "birth_date": "1980-01-01", "phone": "13900000002"},
        # a repeated record (collapsed) and a sparse account (unique-evidence rule)
        {"source": "minzheng", "record_id": "r1", "name": "王大明", "id_number": twin_a, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号"},
        {"source": "minzheng", "record_id": "r2", "name": "王大明", "id_number": twin_a, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号"},
        {"source": "gongdian", "record_id": "s1", "name": "王大铭", "address": "菜屯镇王庄村5号"},
        # two birth certificates (one per child) never compared with each other, chained by a
        # clinic's record: the clustering's per-source key bound must hold on the executors
        {"source": "weijian", "record_id": "b1#self", "name": "魏思远", "birth_date": "2026-04-02", "gender": "男",
         "address": "胡屯镇魏庄村14号", "issued_key": "Q371523260030"},
        {"source": "weijian", "record_id": "b2#self", "name": None, "birth_date": "2026-04-02", "gender": "男",
         "address": "杜郎口镇韦营村9号", "issued_key": "Q371523260031"},
        {"source": "clinic", "record_id": "b3", "name": "魏思远", "birth_date": "2026-04-02", "gender": "男", "address": "杜郎口镇韦营村9号"},
    ]
    return frame(rows)


def _clusters(xref: pl.DataFrame) -> set[frozenset[tuple[str, str]]]:
    groups = xref.group_by("entity_id").agg(pl.struct("source", "record_id").alias("m"))
    return {frozenset((m["source"], m["record_id"]) for m in members) for members in groups["m"].to_list()}


def _on_spark(spark, records: pl.DataFrame, kind: str):  # noqa: ANN001, ANN202
    from pipelines.spark.resolve import resolve_on_spark

    return resolve_on_spark(spark, spark.createDataFrame(records.to_arrow()), kind, AS_OF)


def test_spark_persons_give_the_local_clusters_and_keep_the_traps_apart(spark) -> None:  # noqa: ANN001
    records = pl.concat([background_persons(40), _traps()])
    local = resolve_persons(records, AS_OF)
    on_spark = _on_spark(spark, records, "persons")
    assert on_spark.stats["partitions"] >= 4  # the session's shuffle partitions
    assert on_spark.xref.height == records.height
    assert _clusters(on_spark.xref) == _clusters(local.xref)
    # same entity ids (numbered by each cluster's smallest record), same audit of pairs
    key = ["source", "record_id"]
    assert on_spark.xref.sort(key).equals(local.xref.sort(key))
    audit_key = ["left_source", "left_record_id", "right_source", "right_record_id"]
    assert on_spark.pairs.sort(audit_key).equals(local.pairs.sort(audit_key))
    assert on_spark.keys.sort(key).equals(local.keys.sort(key))
    ids = dict(zip(zip(on_spark.xref["source"], on_spark.xref["record_id"]), on_spark.xref["entity_id"], strict=True))
    assert ids[("hukou", "t1")] != ids[("hukou", "t2")]
    assert ids[("hukou", "c1")] != ids[("shebao", "c2")]
    assert ids[("minzheng", "r1")] == ids[("minzheng", "r2")] == ids[("hukou", "t1")]
    assert ids[("weijian", "b1#self")] != ids[("weijian", "b2#self")]
    # the cluster rebuild refused at least one link of the bridged chain
    assert (on_spark.pairs["reason"] == "kept apart in clustering: a chain of links would join records that must stay apart").any() == (
        local.pairs["reason"] == "kept apart in clustering: a chain of links would join records that must stay apart"
    ).any()


def test_spark_orgs_give_the_local_clusters(spark) -> None:  # noqa: ANN001
    rows = []
    for k in range(12):
        code = f"9137150{k:04d}MA3C{k:04d}"
        for s, source in enumerate(("shichang", "shuiwu", "shebao")):
            rows.append({"source": source, "record_id": f"o{k}-{s}", "name": f"聊城市茌平区第{k}建材有限公司", "uscc": code if s != 2 else None,
                         "legal_rep": "李" + "春夏秋冬"[k % 4], "address": f"振兴街道{k}号", "phone": f"0635{k:07d}"})
    records = frame(rows, kind="orgs")
    local = resolve_orgs(records, AS_OF)
    on_spark = _on_spark(spark, records, "orgs")
    assert _clusters(on_spark.xref) == _clusters(local.xref)
