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
