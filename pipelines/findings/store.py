"""The findings tables in schema `dq` (INTERFACES.md fixes their columns; the report reads them).

`dq.findings` and `dq.finding_evidence` get one set of rows per run (the chain's run id): a rerun
under the same run id replaces that run's rows, so a stage that died half-way is simply run again.
`dq.finding_dispositions` is append-only (auditors' outcomes), and so is the ledger of applied
dispositions files.
"""

from __future__ import annotations

import duckdb

DDL = (
    """create table if not exists dq.findings (
        run_id varchar not null, as_of date not null, finding_id varchar not null, rule varchar not null,
        rule_title varchar, dimension varchar, severity varchar, entity_kind varchar, entity_id varchar,
        summary varchar, amount double, measured varchar, status varchar not null, first_seen_run varchar
    )""",
    """create table if not exists dq.finding_evidence (
        run_id varchar not null, finding_id varchar not null, role varchar, source varchar,
        record_id varchar, source_file varchar, line varchar, detail varchar
    )""",
    """create table if not exists dq.finding_dispositions (
        finding_id varchar not null, disposition varchar not null, note varchar, decided_by varchar,
        decided_on date, recorded_at timestamp, origin varchar
    )""",
    """create table if not exists dq.finding_rule_outcomes (
        run_id varchar not null, rule varchar not null, rule_title varchar, findings bigint,
        confirmed bigint, explained bigint, false_alarm bigint, precision double
    )""",
    """create table if not exists dq.finding_disposition_files (
        sha256 varchar not null, file varchar, outcome varchar not null, rows bigint, reason varchar,
        recorded_at timestamp
    )""",
)

DISPOSITIONS = ("confirmed", "explained", "false_alarm")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists dq")
    for ddl in DDL:
        con.execute(ddl)


def previous_state(con: duckdb.DuckDBPyConnection, run_id: str) -> duckdb.DuckDBPyRelation:
    """Each finding's latest row from runs before `run_id` (its last status and first run)."""
    return con.sql(
        f"""select finding_id, status as last_status, first_seen_run
            from dq.findings where run_id <> '{run_id.replace("'", "''")}'
            qualify row_number() over (partition by finding_id order by run_id desc) = 1"""
    )


def write_outcomes(con: duckdb.DuckDBPyConnection, run_id: str, rules: list[tuple[str, str]]) -> None:
    """Per rule: findings raised in this run, the latest disposition of its findings by kind,
    and the precision they show (confirmed / (confirmed + false alarms); null when none decided)."""
    con.execute("delete from dq.finding_rule_outcomes where run_id = ?", [run_id])
    if not rules:
        return
    values = ", ".join("(?, ?)" for _ in rules)
    params = [v for pair in rules for v in pair]
    con.execute(
        f"""
        insert into dq.finding_rule_outcomes
        with rules(rule, rule_title) as (values {values}),
        raised as (
            select rule, count(*) as findings from dq.findings
            where run_id = $run_id and status in ('new', 'open') group by rule
        ),
        known as (select distinct finding_id, rule from dq.findings),
        latest as (
            select finding_id, disposition from dq.finding_dispositions
            qualify row_number() over (partition by finding_id order by decided_on desc, recorded_at desc) = 1
        ),
        decided as (
            select k.rule,
                   count(*) filter (where l.disposition = 'confirmed') as confirmed,
                   count(*) filter (where l.disposition = 'explained') as explained,
                   count(*) filter (where l.disposition = 'false_alarm') as false_alarm
            from known k join latest l using (finding_id) group by k.rule
        )
        select $run_id, r.rule, r.rule_title, coalesce(raised.findings, 0),
               coalesce(d.confirmed, 0), coalesce(d.explained, 0), coalesce(d.false_alarm, 0),
               case when coalesce(d.confirmed, 0) + coalesce(d.false_alarm, 0) > 0
                    then d.confirmed / (d.confirmed + d.false_alarm) end
        from rules r left join raised using (rule) left join decided d using (rule)
        order by r.rule
        """.replace("$run_id", "?"),
        [*params, run_id, run_id],
    )
