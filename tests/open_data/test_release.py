"""The release on a crafted project: each dataset's folder and files, the open-data list, the
DCAT catalog, catalog.open_releases with the files' hashes, byte-identical reruns, withdrawal
when the catalog closes a dataset, and a release stopped by a personal column."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines.open_data import OpenDataRefused


def _csv(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path} has no BOM"
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))


def _snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_each_dataset_gets_its_folder_with_data_dictionary_and_metadata(project, dataset_id) -> None:
    outcome = project.release()
    open_path = project.settings.open_path
    for model in ("township_pop", "firm", "place"):
        assert outcome[dataset_id(model)].startswith(("4 rows", "2 rows")), outcome
    pop = open_path / dataset_id("township_pop")
    assert {p.name for p in pop.iterdir()} == {"data.csv", "data.parquet", "dictionary.csv", "metadata.json"}
    assert (open_path / dataset_id("place") / "data.geojson").exists()
    rows = _csv(pop / "data.csv")
    # Chinese headers, as portals publish them; the small cell and the one that gives it away empty
    assert list(rows[0]) == ["乡镇（街道）代码", "乡镇（街道）名称", "是否合计行", "户籍人口", "男", "女", "含抑制数据"]
    xinfa = next(r for r in rows if r["乡镇（街道）名称"] == "信发街道")
    assert (xinfa["男"], xinfa["女"], xinfa["含抑制数据"]) == ("", "", "true")
    parquet = pl.read_parquet(pop / "data.parquet")
    assert parquet.height == len(rows) and parquet["male"].null_count() >= 2
    meta = json.loads((pop / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "各乡镇户籍人口" and meta["licence"] == "CC BY 4.0"
    assert meta["provider"] and meta["update_cycle"] == "每季度" and meta["as_of"] == "2026-11-01"
    assert meta["rows"] == 4 and meta["definition"].startswith("户籍人口")
    for name, facts in meta["files"].items():
        assert hashlib.sha256((pop / name).read_bytes()).hexdigest() == facts["sha256"], name
    # formula-like cells are neutralised in the CSV, and the typed data keeps them as they are
    firm = _csv(open_path / dataset_id("firm") / "data.csv")
    assert firm[1]["主体名称"].startswith("'=HYPERLINK")
    assert pl.read_parquet(open_path / dataset_id("firm") / "data.parquet")["name"][1].startswith("=HYPERLINK")


def test_each_dictionary_matches_its_files(project) -> None:
    project.release()
    for folder in sorted(p for p in project.settings.open_path.iterdir() if p.is_dir()):
        dictionary = _csv(folder / "dictionary.csv")
        assert list(dictionary[0]) == ["字段名", "中文名", "数据类型", "计量单位", "定义"]
        parquet = pl.read_parquet(folder / "data.parquet")
        assert [d["字段名"] for d in dictionary] == parquet.columns, folder.name
        assert [d["中文名"] for d in dictionary] == list(_csv(folder / "data.csv")[0]), folder.name
        assert all(d["定义"] and d["数据类型"] for d in dictionary), folder.name
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        assert meta["columns"] == parquet.columns and meta["rows"] == parquet.height


def test_geojson_is_valid_wgs84_rounded_to_six_decimals(project, dataset_id) -> None:
    project.release()
    document = json.loads((project.settings.open_path / dataset_id("place") / "data.geojson").read_text("utf-8"))
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 2
    first = document["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "Point"
    assert first["geometry"]["coordinates"] == [116.251235, 36.580123]
    assert first["properties"]["village_code"] == "371503001001" and "lon" in first["properties"]


def test_the_open_list_and_the_dcat_catalog_name_every_open_resource(project, dataset_id) -> None:
    project.release()
    open_path = project.settings.open_path
    listing = _csv(open_path / "开放清单.csv")
    codes = {r["信息资源代码"]: r for r in listing}
    # the crafted datasets and the open library tables they come from (from the catalog)
    assert {dataset_id(m).replace("-", "/") for m in ("township_pop", "firm", "place")} <= set(codes)
    released = codes[dataset_id("place").replace("-", "/")]
    assert released["开放数据集"] == dataset_id("place") and released["数据量"] == "2"
    assert released["开放许可"] == "CC BY 4.0" and released["开放属性"] == "无条件开放"
    assert "GeoJSON" in released["开放格式"] and released["发布日期"] == "2026-11-01"
    sheet = load_workbook(open_path / "开放清单.xlsx").active
    assert [c.value for c in sheet[1]] == list(listing[0]) and sheet.max_row == len(listing) + 1
    dcat = json.loads((open_path / "catalog.json").read_text(encoding="utf-8"))
    datasets = {d["dct:identifier"]: d for d in dcat["dcat:dataset"]}
    assert set(datasets) == set(codes)
    place = datasets[dataset_id("place").replace("-", "/")]
    formats = {d["dct:format"] for d in place["dcat:distribution"]}
    assert formats >= {"CSV", "Parquet", "GeoJSON"}
    csv_dist = next(d for d in place["dcat:distribution"] if d["dct:title"] == "data.csv")
    data = (open_path / dataset_id("place") / "data.csv").read_bytes()
    assert csv_dist["spdx:checksum"]["spdx:checksumValue"] == hashlib.sha256(data).hexdigest()
    assert csv_dist["dct:license"] == "CC BY 4.0"


def test_releases_table_records_the_files_and_a_rerun_gives_the_same_bytes(project, dataset_id) -> None:
    project.release("run-1")
    first = _snapshot(project.settings.open_path)
    project.release("run-1")  # the same run again
    project.release("run-2")  # the next run of the same data
    assert _snapshot(project.settings.open_path) == first
    rows = project.execute(
        "select run_id, dataset_id, action, rows, files from catalog.open_releases order by run_id, dataset_id")
    assert [(r[0], r[2]) for r in rows] == [("run-1", "released")] * 3 + [("run-2", "released")] * 3
    for run_id, ident, _, count, files in rows:
        folder = project.settings.open_path / ident
        for f in files:
            assert hashlib.sha256((folder / f["file"]).read_bytes()).hexdigest() == f["sha256"]
        assert count == json.loads((folder / "metadata.json").read_text("utf-8"))["rows"]


def test_a_catalog_change_to_not_open_withdraws_the_dataset(project, dataset_id) -> None:
    project.release("run-1")
    firm = project.settings.open_path / dataset_id("firm")
    assert firm.is_dir()
    project.model("firm")["config"]["meta"]["catalog"]["open_attribute"] = "不予开放"
    project.write_yaml()
    outcome = project.release("run-2")
    assert outcome[dataset_id("firm")].startswith("withdrawn: 开放属性 不予开放")
    assert not firm.exists()
    assert (project.settings.open_path / dataset_id("place")).is_dir()
    withdrawn = project.execute("select dataset_id, action, reason from catalog.open_releases where run_id = 'run-2' "
                                "and action <> 'released'")
    assert withdrawn == [(dataset_id("firm"), "withdrawn", "开放属性 不予开放: not open any more")]
    listed = {r["信息资源代码"] for r in _csv(project.settings.open_path / "开放清单.csv")}
    assert dataset_id("firm").replace("-", "/") not in listed


def test_a_personal_column_added_to_a_dataset_stops_the_release_and_nothing_is_written(project, dataset_id) -> None:
    project.model("firm")["columns"].append(
        {"name": "contact", "data_type": "varchar", "description": "联系方式", "meta": {"name_zh": "联系方式",
                                                                                      "sensitivity": "public", "length": 30}})
    project.write_yaml()
    project.execute("alter table open_data.firm add column contact varchar")
    project.execute("update open_data.firm set contact = '0635-8512345' where uscc = '91310110666007217T'")
    project.execute("update open_data.firm set contact = '138 1234 5678' where uscc <> '91310110666007217T'")
    with pytest.raises(OpenDataRefused) as raised:
        project.release()
    message = str(raised.value)
    assert f"{dataset_id('firm')}: column 联系方式 (contact), row 1: 固定电话 landline 063****2345" in message
    assert "row 2: 手机号 mobile 138****5678" in message
    assert "8512345" not in message and "1234 5678" not in message
    assert not project.settings.open_path.exists() or not any(project.settings.open_path.iterdir())
    refused = project.execute("select dataset_id, action from catalog.open_releases")
    assert refused == [(dataset_id("firm"), "refused")]


def test_a_resident_named_outside_a_publicity_field_stops_the_release(project, dataset_id) -> None:
    project.execute("update open_data.place set village_name = '王芳' where village_code = '371503001201'")
    with pytest.raises(OpenDataRefused, match=r"村（社区）名称 \(village_name\), row 2: 居民姓名 resident's name 王\*"):
        project.release()


def test_a_personal_column_by_sensitivity_and_record_level_person_data_are_refused(project, dataset_id) -> None:
    project.model("place")["config"]["meta"]["open"]["grain"] = "person"
    project.model("firm")["columns"][1]["meta"]["sensitivity"] = "sensitive"
    project.write_yaml()
    with pytest.raises(OpenDataRefused) as raised:
        project.release()
    message = str(raised.value)
    assert "record-level data about natural persons is not opened" in message and dataset_id("place") in message
    assert "column 统一社会信用代码 (uscc) is sensitive data and not a publicity field" in message
    refused = project.execute("select dataset_id, action from catalog.open_releases order by 1")
    assert refused == [(dataset_id("place"), "refused"), (dataset_id("firm"), "refused")]


def test_a_library_whose_gate_is_closed_keeps_what_was_published(project, dataset_id, monkeypatch) -> None:
    import pipelines.quality

    project.release("run-1")
    pop = project.settings.open_path / dataset_id("township_pop")
    before = _snapshot(pop)
    project.execute("update open_data.township_pop set population = population + 100 where not is_total")
    monkeypatch.setattr(pipelines.quality, "gate_status", lambda con, library, settings=None: library != "lib_population")
    outcome = project.release("run-2")
    assert outcome[dataset_id("township_pop")] == "refused: the lib_population quality gate is closed"
    assert _snapshot(pop) == before
    assert project.execute("select action from catalog.open_releases where run_id = 'run-2' and dataset_id = "
                           f"'{dataset_id('township_pop')}'") == [("refused",)]
