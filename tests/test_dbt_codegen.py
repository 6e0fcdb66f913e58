"""The dbt files generated from the source contracts are committed and must be current."""

from __future__ import annotations

from pipelines import dbt_codegen
from pipelines.contracts import all_contracts


def test_generated_dbt_files_are_current() -> None:
    stale = dbt_codegen.stale_files()
    assert not stale, f"run `make codegen` and commit: {[str(p) for p in stale]}"


def test_every_contract_has_a_staging_model_and_source() -> None:
    files = dbt_codegen.render()
    for contract in all_contracts():
        folder = f"models/staging/{contract.department}"
        assert any(str(p) == f"{folder}/stg_{contract.source}.sql" for p in files)
        sources = files[next(p for p in files if str(p) == f"{folder}/_{contract.department}__sources.yml")]
        assert f"identifier: {contract.source}" in sources
        for column in contract.columns:
            assert f"name: {column.name_zh}" in sources


def test_records_models_cover_every_party() -> None:
    person_sql = dbt_codegen.render()[dbt_codegen.Path("models/intermediate/records/int_person_records.sql")]
    for contract in all_contracts():
        for party in contract.parties:
            if party.kind == "person":
                assert f"row_id || '#{party.role}'" in person_sql
                assert f"ref('stg_{contract.source}')" in person_sql


def test_name_columns_get_the_name_standardiser() -> None:
    register = next(c for c in all_contracts() if c.source == "gongan__household_register")
    assert dbt_codegen.standardiser(register, "name") == "name"
    assert dbt_codegen.standardiser(register, "id_number") == "id_number"
    assert dbt_codegen.standardiser(register, "address") == "text"


def test_staging_starts_the_costliest_chains_first() -> None:
    """`govdata stage` ranks dbt's ready nodes by the cost of the chain they start."""
    import networkx as nx

    from pipelines.dbt import chain_ranks
    from pipelines.stage import staging_costs

    graph = nx.DiGraph(
        [
            ("unit_test.govdata.stg_big.standardises", "model.govdata.stg_big"),
            ("model.govdata.stg_big", "model.govdata.int_person_records"),
            ("model.govdata.stg_small", "model.govdata.int_person_records"),
            ("model.govdata.stg_mid", "test.govdata.not_null_stg_mid_row_id"),
        ]
    )
    graph.add_node("model.govdata.stg_alone")
    dbt_scores = {node: (1 if node == "model.govdata.stg_big" else 0) for node in graph}
    dbt_scores["model.govdata.int_person_records"] = 2
    ranks = chain_ranks(graph, dbt_scores, {"stg_big": 100.0, "stg_mid": 50.0, "stg_small": 1.0})
    order = sorted(ranks, key=ranks.__getitem__)
    # the big model's unit test leads its chain; nodes without a cost keep dbt's order
    assert order[:3] == ["unit_test.govdata.stg_big.standardises", "model.govdata.stg_big", "model.govdata.stg_mid"]
    assert order.index("model.govdata.stg_small") < order.index("model.govdata.stg_alone")
    assert sorted(ranks.values()) == list(range(len(graph)))

    costs = staging_costs({"gongan__household_register": 10})
    register = next(c for c in all_contracts() if c.source == "gongan__household_register")
    assert set(costs) == {f"stg_{c.source}" for c in all_contracts()}
    assert costs["stg_gongan__household_register"] == 10 * (len(register.columns) + 7)
    assert costs["stg_renshe__insured_person"] == 0


def test_generation_is_the_same_in_every_process_and_rewrites_nothing_current(tmp_path) -> None:
    """Every process renders the same bytes whatever its hash seed (set and dict order), and
    `write` leaves a current file untouched, so the stages of a chain and any other process
    running `govdata stage` beside them never rewrite each other's files."""
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib; from pipelines import dbt_codegen; "
        "print(hashlib.sha256(repr(sorted((str(p), t) for p, t in dbt_codegen.render().items())).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    here = hashlib.sha256(repr(sorted((str(p), t) for p, t in dbt_codegen.render().items())).encode()).hexdigest()
    assert digests == {here}

    assert dbt_codegen.write(tmp_path)  # an empty project: everything is written
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert dbt_codegen.write(tmp_path) == []
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamps
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temporary file left behind
    assert dbt_codegen.stale_files(tmp_path) == []


def test_a_party_declared_with_a_condition_is_read_only_from_rows_meeting_it() -> None:
    """A utility's customer list holds households' and businesses' meters: a factory's account
    must not become a person record (it would be a person named after a company in the
    population library), so the holder is read only where the contract's condition holds."""
    person_sql = dbt_codegen.render()[dbt_codegen.Path("models/intermediate/records/int_person_records.sql")]
    blocks = person_sql.split("union all")
    conditional = [(c, p) for c in all_contracts() for p in c.parties if p.kind == "person" and p.when]
    assert {c.source for c, _ in conditional} >= {"gongdian__account", "gongshui__account"}
    for contract, party in conditional:
        block = next(b for b in blocks if f"'{contract.source}' as source" in b and f"'#{party.role}'" in b)
        assert block.rstrip().endswith(f"and ({party.when})"), block
