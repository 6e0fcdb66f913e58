"""Small crafted warehouses for the findings rules: the staging models, crosswalks and library
tables the rules read, with only the columns they use, filled row by row like a department's file
(each row gets its `<source>:<sha12>:<line>` id, its file and its line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

LINEAGE = "row_id varchar, batch_id varchar, source_file varchar, source_line varchar, delivery_date date, is_current boolean"

TABLES = {
    "staging.stg_weijian__death_certificate": "certificate_no varchar, name varchar, id_number varchar, death_date date",
    "staging.stg_minzheng__death_cremation": "cremation_no varchar, name varchar, id_number varchar, death_date date",
    "staging.stg_gongan__household_register": "id_number varchar, name varchar, household_no varchar, address varchar, status varchar, division_code varchar",
    "staging.stg_renshe__payments": "personal_no varchar, name varchar, id_number varchar, period varchar, business_type varchar, insurance_type varchar, amount double, pay_date date",
    "staging.stg_renshe__insured_person": "personal_no varchar, name varchar, id_number varchar, insurance_type varchar, status varchar",
    "staging.stg_minzheng__subsistence_allowance": "name varchar, id_number varchar, month varchar, amount double, household_size integer, covered_persons integer",
    "staging.stg_shichang__enterprise": "uscc varchar, name varchar, status varchar, deregistered date, legal_rep varchar, legal_rep_id varchar, address varchar, established date",
    "staging.stg_shichang__individual_business": "uscc varchar, name varchar, status varchar, operator varchar, operator_id varchar, address varchar, established date",
    "staging.stg_minzheng__social_organization": "uscc varchar, name varchar, status varchar",
    "staging.stg_gongdian__account": "account_no varchar, holder varchar, id_number varchar, address varchar, category varchar, opened date, status varchar",
    "staging.stg_gongdian__consumption": "account_no varchar, month varchar, kwh double",
    "staging.stg_gongshui__account": "account_no varchar, holder varchar, id_number varchar, address varchar, category varchar, opened date, status varchar",
    "staging.stg_gongshui__consumption": "account_no varchar, month varchar, cubic_metres double",
    "staging.stg_minzheng__marriage_registration": "certificate_no varchar, registration_date date",
    "staging.stg_zhujian__property_registration": "certificate_no varchar, registered date, floor_area decimal(20, 2)",
    "staging.stg_gongan__residence_permit": "permit_no varchar, apply_date date",
    "staging.stg_dzzz__person_licence": "licence_no varchar, issue_date date",
    "staging.stg_shichang__annual_report": "uscc varchar, report_year bigint, revenue decimal(38, 6), employees bigint",
    "staging.stg_shuiwu__monthly_tax": "taxpayer_id varchar, period_start date, amount decimal(38, 6)",
    "lib_elicense.elicence": "licence_id varchar, licence_name varchar, licence_no varchar, issue_date date, valid_to date, person_id varchar, org_id varchar, is_valid_as_of boolean, source varchar",
    "lib_credit.administrative_licence": "licence_no varchar, certificate_name varchar, licence_category varchar, decision_date date, valid_to date, org_id varchar, is_in_force boolean, source varchar",
    "lib_macro.indicator_fact": "division_code varchar, division_level varchar, indicator varchar, period varchar, period_end date, unit varchar, value decimal(20, 4), is_additive boolean, source varchar",
    "lib_legal_entity.organization": "org_id varchar, org_kind varchar, township_code varchar, established date, registration_status varchar, deregistered_date date, source varchar",
    "lib_population.person": "person_id varchar, township_code varchar, death_date date, is_registered_resident boolean",
}
SCHEMAS = ("staging", "er", "lib_elicense", "lib_credit", "lib_macro", "lib_legal_entity", "lib_population", "dq",
           "meta")


@dataclass
class Crafted:
    """A warehouse being filled. `add` returns the row id of the row it wrote."""

    path: Path
    lines: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(self.path)) as con:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
            for table, columns in TABLES.items():
                con.execute(f"create table if not exists {table} ({LINEAGE}, {columns})")
            con.execute("""create table if not exists staging.int_household_utility_accounts (household_no varchar,
                township_code varchar, utility varchar, account_source varchar, account_no varchar,
                account_row_id varchar, account_source_file varchar, account_source_line varchar, link_basis varchar)""")
            con.execute("""create table if not exists staging.int_utility_monthly_use (account_source varchar,
                source varchar, account_no varchar, month_start date, use double, row_id varchar,
                source_file varchar, source_line varchar)""")
            con.execute("create table if not exists er.person_xref (source varchar, record_id varchar, person_id varchar)")
            con.execute("create table if not exists er.org_xref (source varchar, record_id varchar, org_id varchar)")

    def add(self, table: str, *, file: str | None = None, delivered: date = date(2026, 10, 20),
            current: bool = True, sha: str = "aaaaaaaaaaaa", person: str | None = None, org: str | None = None,
            role: str = "self", **values: Any) -> str:
        source = table.split(".")[1].removeprefix("stg_")
        if table.startswith("lib_"):
            source = values.get("source") or source
        file = file or f"{source.split('__')[0]}/{delivered.isoformat()}/{source}.csv"
        line = self.lines.get(f"{table}|{file}", 1) + 1
        self.lines[f"{table}|{file}"] = line
        row_id = f"{source}:{sha}:{line}"
        row = {"row_id": row_id, "batch_id": "b1", "source_file": file, "source_line": str(line),
               "delivery_date": delivered, "is_current": current, **values}
        if table.startswith("lib_"):
            row.pop("batch_id"), row.pop("is_current"), row.pop("delivery_date")
            row["source"] = source
        with duckdb.connect(str(self.path)) as con:
            existing = [r[0] for r in con.execute(f"describe {table}").fetchall()]
            unknown = set(row) - set(existing)
            for name in unknown:  # lib tables keep lineage under the same names
                con.execute(f"alter table {table} add column {name} varchar")
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            con.execute(f"insert into {table} ({names}) values ({marks})", list(row.values()))
            if person:
                con.execute("insert into er.person_xref values (?, ?, ?)", [source, f"{row_id}#{role}", person])
            if org:
                con.execute("insert into er.org_xref values (?, ?, ?)", [source, f"{row_id}#{role}", org])
        return row_id

    def meter(self, household: str, utility: str, account: str, uses: list[float], months: list[date],
              basis: str = "address") -> tuple[str, list[str]]:
        """A household's meter (as the decision-support build links it) and its monthly readings."""
        source = "gongdian" if utility == "power" else "gongshui"
        account_row = self.add(f"staging.stg_{source}__account", account_no=account, address="-")
        with duckdb.connect(str(self.path)) as con:
            con.execute("insert into staging.int_household_utility_accounts values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [household, "371503101", utility, f"{source}__account", account, account_row,
                         f"{source}/account.csv", account_row.rsplit(":", 1)[1], basis])
            rows = []
            for month, use in zip(months, uses, strict=True):
                line = self.lines.get(f"use|{source}", 1) + 1
                self.lines[f"use|{source}"] = line
                row_id = f"{source}__consumption:dddddddddddd:{line}"
                con.execute("insert into staging.int_utility_monthly_use values (?, ?, ?, ?, ?, ?, ?, ?)",
                            [f"{source}__account", f"{source}__consumption", account, month, use, row_id,
                             f"{source}/consumption.csv", str(line)])
                rows.append(row_id)
        return account_row, rows

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql, params or []).fetchall()
