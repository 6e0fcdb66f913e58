"""The build's fast paths give the answers of the plain rules they replace.

Survivorship picks each golden attribute by one packed BIGINT key per record
(`macros/survivorship.sql`, `survivorship_packed_key`) instead of sorting records by the declared
criteria. Here the declared rules of `dbt_project.yml` are applied the slow, obvious way (a
window ordered by the criteria, the record id last) to the tiny county's records, and every
choice of `int_person_golden_choices` / `int_org_golden_choices` must be the same record.
Also: `record_seq` numbers the records in record_id order; the half-width shortcut of
`normalise_address` covers exactly the characters `text.to_halfwidth` maps; the county profile of
the settings reaches the division library.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.standards import text as tx
from .conftest import LibraryRun

ROOT = Path(__file__).resolve().parents[2]
PROJECT = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
RULES: dict[str, Any] = PROJECT["vars"]["survivorship"]

# (entity, resolved table, entity id, {attribute: SQL saying whether the value passes its check})
ENTITIES = [
    ("person", "staging.int_person_records_resolved", "person_id", {
        "name": "true", "id_number": "is_id_number_valid", "gender": "is_gender_valid",
        "birth_date": "is_birth_date_valid", "phone": "is_phone_valid", "address": "is_address_valid"}),
    ("org", "staging.int_org_records_resolved", "org_id", {
        "name": "true", "uscc": "is_uscc_valid", "legal_rep": "is_legal_rep_valid",
        "address": "is_address_valid", "phone": "is_phone_valid", "established": "is_established_valid"}),
]


def _rule(entity: str, attribute: str) -> tuple[list[str], list[str]]:
    rule = RULES[entity].get(attribute, [])
    if isinstance(rule, dict):
        return rule.get("sources", []), rule.get("order", RULES["order"])
    return rule, RULES["order"]


def _reference_sql(table: str, entity_id: str, attribute: str, valid: str, entity: str) -> str:
    """The winning record per entity, by a window over the declared criteria in order."""
    sources, order = _rule(entity, attribute)
    rank = "case source " + " ".join(f"when '{s}' then {i}" for i, s in enumerate(sources, 1))
    rank += f" else {len(sources) + 1} end"
    terms = {
        "valid": "coalesce(valid, false) desc",
        "agreement": "n_sources desc",
        "priority": rank,
        "recency": "delivery_date desc nulls last",
        "completeness": "completeness desc",
    }
    ordering = ", ".join(terms[c] for c in order) + ", record_id"
    return f"""
        select {entity_id}, record_seq
        from (
            select {entity_id}, record_seq, record_id,
                   row_number() over (partition by {entity_id} order by {ordering}) as pick
            from (
                select *, ({valid}) as valid,
                       count(distinct source) over (partition by {entity_id}, {attribute}) as n_sources
                from {table}
                where {attribute} is not null
            ) as candidates
        ) as ranked
        where pick = 1
    """


@pytest.mark.parametrize(("entity", "table", "entity_id", "attributes"), ENTITIES, ids=[e[0] for e in ENTITIES])
def test_packed_keys_choose_what_the_declared_order_chooses(
    library_run: LibraryRun, entity: str, table: str, entity_id: str, attributes: dict[str, str]
) -> None:
    # GIVEN the tiny county's resolved records and their golden choices
    with library_run.connect() as con:
        choices = f"staging.int_{entity}_golden_choices"
        for attribute, valid in attributes.items():
            # WHEN the declared rules are applied by sorting
            reference = _reference_sql(table, entity_id, attribute, valid, entity)
            # THEN every entity's chosen record is the same
            differing = con.execute(f"""
                select count(*) from ({reference}) as expected
                full join {choices} as chosen using ({entity_id})
                where expected.record_seq is distinct from chosen.{attribute}_record_seq
            """).fetchone()[0]
            assert differing == 0, (entity, attribute, differing)
            # ... and the value, source and check come from that record
            mismatched = con.execute(f"""
                select count(*) from {choices} as chosen
                inner join {table} as record on record.record_seq = chosen.{attribute}_record_seq
                where record.{attribute} is distinct from chosen.{attribute}
                   or record.source is distinct from chosen.{attribute}_source
                   or coalesce({'record.' + valid if valid != 'true' else 'true'}, false)
                      is distinct from chosen.is_{attribute}_valid
            """).fetchone()[0]
            assert mismatched == 0, (entity, attribute, mismatched)


def test_agreement_counts_distinct_sources_per_value(library_run: LibraryRun) -> None:
    # the person counts folded into the choices are the plain aggregates
    with library_run.connect() as con:
        differing = con.execute("""
            select count(*) from (
                select person_id, count(*) as record_count, count(distinct source) as source_count,
                       cast(min(delivery_date) as date) as first_delivery_date,
                       cast(max(delivery_date) as date) as last_delivery_date
                from staging.int_person_records_resolved group by person_id
            ) as plain
            full join staging.int_person_golden_choices as chosen using (person_id)
            where (plain.record_count, plain.source_count, plain.first_delivery_date, plain.last_delivery_date)
                  is distinct from (chosen.record_count, chosen.source_count, chosen.first_delivery_date,
                                    chosen.last_delivery_date)
        """).fetchone()[0]
    assert differing == 0


@pytest.mark.parametrize("kind", ["person", "org"])
def test_record_seq_numbers_records_in_record_id_order(library_run: LibraryRun, kind: str) -> None:
    with library_run.connect() as con:
        count, distinct, low, high, out_of_order = con.execute(f"""
            select count(*), count(distinct record_seq), min(record_seq), max(record_seq),
                   count(*) filter (where next_id <= record_id)
            from (
                select record_id, record_seq, lead(record_id) over (order by record_seq) as next_id
                from staging.int_{kind}_records
            ) as ordered
        """).fetchone()
    assert (distinct, low, high, out_of_order) == (count, 1, count, 0)


def test_halfwidth_shortcut_covers_exactly_the_full_width_forms() -> None:
    macros = (ROOT / "dbt_project" / "macros" / "library_helpers.sql").read_text(encoding="utf-8")
    pattern = re.search(r"regexp_matches\(\{\{ expr \}\}, '(\[[^']+\])'\)", macros)
    assert pattern, "the halfwidth macro's character class is not where this test looks"
    covered = re.compile(pattern.group(1).replace("\\x{", "\\u{").replace("\\u{3000}", "\u3000")
                         .replace("\\u{FF01}", "\uff01").replace("\\u{FF5E}", "\uff5e"))
    full_width = set(tx.FULLWIDTH)
    assert all(covered.match(ch) for ch in full_width)
    neighbours = [chr(c) for c in (0x2FFF, 0x3001, 0xFF00, 0xFF5F, 0x41, 0x4E2D)]
    assert not any(covered.match(ch) for ch in neighbours)


def test_division_library_follows_the_county_profile(library_run: LibraryRun) -> None:
    county = library_run.settings.county
    with library_run.connect() as con:
        rows = con.execute(
            "select division_code, division_name, valid_to, is_current from lib_spatial.division "
            "where level = 'county' order by division_code"
        ).fetchall()
    expected = {h.code: h for h in county.historic_codes}
    assert {r[0] for r in rows} == set(expected)
    for code, name, valid_to, is_current in rows:
        assert name == expected[code].name
        assert is_current == (code == county.code)
        assert (valid_to is None) == (expected[code].valid_to is None)
