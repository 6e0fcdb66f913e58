"""Generate the dbt sources, staging models and record models from the source contracts.

The contracts are the one source of truth for every source's shape; everything dbt needs to
know about a source (its raw columns, their English names and types, its parties) is written
from them here, so nothing restates a schema by hand. The generated files are committed (so they
can be read and reviewed) and `tests/test_dbt_codegen.py` fails when they are out of date;
`govdata stage` regenerates them before every build.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from pipelines.contracts import SourceContract, all_contracts
from pipelines.contracts.schema import ORG_FIELDS, PERSON_FIELDS, ColumnType, DeliveryMode

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
HEADER = "# Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.\n"
SQL_HEADER = "-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.\n"
GENERATED_MARKERS = (HEADER.encode(), SQL_HEADER.encode())
"""How a generated file begins. Its content is a function of the contracts and this module, so
the code fingerprint of `pipelines.unchanged` hashes those and leaves the generated files out."""

LINEAGE_DOCS = {
    "row_id": "Delivered row id: <source>:<first 12 hex of the file SHA-256>:<line> (行标识)",
    "batch_id": "Ingest batch that loaded the row (批次号)",
    "source_file": "File the row came from, relative to the landing folder (来源文件)",
    "source_line": "Line in the file: CSV physical line, <sheet>!<row> for XLSX, element index "
    "for JSON (行号)",
    "delivery_date": "Date of the delivery folder (交付日期)",
    "is_current": "True for rows of the latest delivery of a snapshot source, and for every row "
    "of an incremental source (是否当前)",
    "extras": "JSON of columns delivered but not in the contract (额外列)",
}


def standardiser(contract: SourceContract, column_name: str) -> str:
    """Which standardisation staging applies to a column (the `stage_value` macro's dispatch).

    Person and organisation names (and legal representatives) get the name rule (traditional to
    simplified, half-width, spaces removed); other columns follow their contract type.
    """
    column = contract.column(column_name)
    name_fields = {"name", "legal_rep"}
    if column.type is ColumnType.TEXT and any(
        party.fields.get(field) == column_name for party in contract.parties for field in name_fields
    ):
        return "name"
    return column.type.value


def _type_meta(contract: SourceContract) -> list[dict[str, Any]]:
    return [
        {
            "name": col.name_zh,
            "description": f"{col.name_zh} -> {col.name}" + (f": {col.description}" if col.description else ""),
            "meta": {
                "name": col.name,
                "type": col.type.value,
                "standardiser": standardiser(contract, col.name),
                "required": col.required,
                "max_length": col.max_length,
                "sensitivity": col.sensitivity.value,
            },
        }
        for col in contract.columns
    ]


def sources_yaml(department: str, contracts: list[SourceContract]) -> str:
    """The `_<department>__sources.yml` of one department."""
    tables = []
    for contract in contracts:
        tables.append(
            {
                "name": contract.table,
                "identifier": contract.source,
                "description": f"{contract.table_zh}. {contract.description}".strip(),
                "meta": {
                    "table_zh": contract.table_zh,
                    "format": contract.format,
                    "delivery_mode": contract.delivery_mode.value,
                    "update_cycle": contract.update_cycle.value,
                    "key": list(contract.key),
                    "source": contract.source,
                },
                "columns": _type_meta(contract),
            }
        )
    doc = {
        "version": 2,
        "sources": [
            {
                "name": department,
                "description": contracts[0].department_zh,
                "schema": "raw",
                "tables": tables,
            }
        ],
    }
    return HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def _staged_column_docs(contract: SourceContract) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = [
        {"name": name, "description": text} for name, text in LINEAGE_DOCS.items()
    ]
    for col in contract.columns:
        columns.append(
            {
                "name": col.name,
                "description": f"{col.name_zh}" + (f": {col.description}" if col.description else ""),
                "meta": {"name_zh": col.name_zh, "sensitivity": col.sensitivity.value},
            }
        )
        if col.type in _FLAGGED_TYPES:
            columns.append(
                {
                    "name": f"is_{col.name}_valid",
                    "description": f"{col.name_zh} passes its national-standard check "
                    f"({_FLAGGED_TYPES[col.type]}); a failure is flagged, never dropped",
                }
            )
    return columns


_FLAGGED_TYPES = {
    ColumnType.ID_NUMBER: "GB 11643 checksum and birth date",
    ColumnType.CREDIT_CODE: "GB 32100 checksum",
    ColumnType.ORG_CODE: "GB 11714 checksum",
    ColumnType.DIVISION_CODE: "a code of the county, current or historic",
}


def models_yaml(department: str, contracts: list[SourceContract]) -> str:
    """The `_<department>__models.yml`: every staging model and column documented."""
    models = []
    for contract in contracts:
        grain = (
            "one row per delivered row of every delivery (snapshot: `is_current` marks the latest)"
            if contract.delivery_mode is DeliveryMode.SNAPSHOT
            else "one row per delivered row"
        )
        models.append(
            {
                "name": f"stg_{contract.source}",
                "description": f"{contract.table_zh} ({contract.department_zh}), renamed, typed "
                f"and standardised. Grain: {grain}.",
                "columns": _staged_column_docs(contract),
            }
        )
    doc = {"version": 2, "models": models}
    return HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def staging_sql(contract: SourceContract) -> str:
    """A staging model: rename from the delivered headers, cast and standardise (the
    `stage_contract` macro, which reads the columns from the generated source YAML)."""
    source = f"{{{{ source('{contract.department}', '{contract.table}') }}}}"
    return (
        SQL_HEADER
        + f"-- {contract.table_zh} ({contract.department_zh})\n"
        + f"-- depends_on: {source}\n"
        + f"{{{{ stage_contract('{contract.department}', '{contract.table}') }}}}\n"
    )


def _records_sql(kind: str) -> str:
    fields = PERSON_FIELDS if kind == "person" else ORG_FIELDS
    selects = []
    for contract in all_contracts():
        for party in contract.parties:
            if party.kind != kind:
                continue
            cols = []
            for field in fields:
                column = party.fields.get(field)
                value = f"cast({column} as {{{{ varchar() }}}})" if column else "cast(null as {{ varchar() }})"
                cols.append(f"        {value} as {field}")
            if kind == "person":
                # the row's business key where the source issues one record per person in this
                # role (Party.one_per_person): two such records with different keys are two people
                issued = " || '|' || ".join(f"cast({k} as {{{{ varchar() }}}})" for k in contract.key)
                value = issued if party.one_per_person else "cast(null as {{ varchar() }})"
                cols.append(f"        {value} as issued_key")
            selects.append(
                "    select\n"
                f"        '{contract.source}' as source,\n"
                f"        row_id || '#{party.role}' as record_id,\n"
                f"        '{party.role}' as role,\n"
                + ",\n".join(cols)
                + ",\n        batch_id,\n        source_file,\n        source_line,\n"
                "        delivery_date\n"
                f"    from {{{{ ref('stg_{contract.source}') }}}}\n"
                "    where is_current\n"
                "      and coalesce("
                + ", ".join(f"cast({c} as {{{{ varchar() }}}})" for c in party.fields.values())
                + ") is not null"
                + (f"\n      and ({party.when})" if party.when else "")
            )
    title = "person" if kind == "person" else "organisation"
    if not selects:  # no contract has such parties yet: an empty, typed relation
        typed = ", ".join(
            f"cast(null as {{{{ varchar() }}}}) as {name}"
            for name in ("source", "record_id", "role", *fields, *(("issued_key",) if kind == "person" else ()),
                         "batch_id", "source_file", "source_line")
        )
        selects.append(f"    select {typed}, cast(null as date) as delivery_date where false")
    body = "\n\n    union all\n\n".join(selects)
    return (
        SQL_HEADER
        + f"-- Every {title}-bearing record for resolution: the current snapshot of snapshot\n"
        + "-- sources plus every row of incremental sources, one record per party role, with\n"
        + "-- record_seq: the record's position in record_id order, a compact integer key ordered\n"
        + "-- like record_id (survivorship's last tie-break and the libraries' joins use it).\n"
        + "with records as (\n\n"
        + body
        + "\n\n),\n\n"
        + "-- record_seq ranks the record ids alone, joined back: a window ordered over every\n"
        + "-- column holds the whole relation in memory at once and failed at city scale (31 M\n"
        + "-- person records: out of memory at DuckDB's 8 GB limit), where the join and the sort\n"
        + "-- spill. (bigint on every engine: Spark's row_number is an int)\n"
        + "seq as (\n\n"
        + "    select record_id, cast(row_number() over (order by record_id) as bigint) as record_seq\n"
        + "    from records\n\n)\n\n"
        + "-- in record_id order (record ids are unique): resolution reads the records in table order\n"
        + "-- (a rerun must compare the same pairs in the same order)\n"
        + "select records.*, seq.record_seq\n"
        + "from records\n"
        + "inner join seq on seq.record_id = records.record_id\n"
        + "order by seq.record_seq\n"
    )


def render() -> dict[Path, str]:
    """Every generated file (path relative to the dbt project) and its content."""
    by_department: dict[str, list[SourceContract]] = defaultdict(list)
    for contract in all_contracts():
        by_department[contract.department].append(contract)
    files: dict[Path, str] = {}
    for department, contracts in sorted(by_department.items()):
        folder = Path("models/staging") / department
        files[folder / f"_{department}__sources.yml"] = sources_yaml(department, contracts)
        files[folder / f"_{department}__models.yml"] = models_yaml(department, contracts)
        for contract in contracts:
            files[folder / f"stg_{contract.source}.sql"] = staging_sql(contract)
    records = Path("models/intermediate/records")
    files[records / "int_person_records.sql"] = _records_sql("person")
    files[records / "int_org_records.sql"] = _records_sql("org")
    return files


def is_generated(data: bytes) -> bool:
    """Whether a file's bytes are one of the files this module writes (by its first line)."""
    return data.startswith(GENERATED_MARKERS)


def stale_files(project: Path = DBT_PROJECT) -> list[Path]:
    """Generated files that are missing or differ from what the contracts give."""
    files = render()
    stale = [path for path, text in files.items() if _read(project / path) != text]
    return stale + _orphans(project, files)


def _orphans(project: Path, expected: dict[Path, str]) -> list[Path]:
    staging = project / "models/staging"
    return [
        p.relative_to(project)
        for p in sorted(staging.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.relative_to(project) not in expected
    ] if staging.exists() else []


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _replace(target: Path, text: str) -> None:
    """Write `text` to a temporary file beside `target` and rename it over `target`: a process
    reading the project at the same moment (dbt parsing, another stage hashing the code) sees
    the old file or the new one, never a half-written one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write(project: Path = DBT_PROJECT) -> list[Path]:
    """Write the generated files whose content changed (a file already current is left alone,
    its modification time too), remove orphans; return what changed."""
    files = render()
    changed = []
    for path, text in files.items():
        target = project / path
        if _read(target) != text:
            _replace(target, text)
            changed.append(path)
    for orphan in _orphans(project, files):
        (project / orphan).unlink()
        changed.append(orphan)
    return changed


if __name__ == "__main__":
    for changed_path in write():
        print(changed_path)
