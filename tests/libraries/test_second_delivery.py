"""A second household-register delivery: persistent ids survive it, and the history of the
resident who moved is closed on the new snapshot's date and continued at the new address."""

from __future__ import annotations

import polars as pl

from .conftest import LibraryRun


def _ids(library_run: LibraryRun, first: bool) -> pl.DataFrame:
    with library_run.connect(first=first) as con:
        return con.execute(
            "select id_number, person_id from lib_population.person where id_number is not null"
        ).pl()


def test_second_delivery_keeps_existing_person_ids(library_run: LibraryRun) -> None:
    before, after = _ids(library_run, first=True), _ids(library_run, first=False)
    both = before.join(after, on="id_number", suffix="_after")
    assert both.height >= 0.99 * before.height
    changed = both.filter(pl.col("person_id") != pl.col("person_id_after"))
    assert changed.height == 0, changed.head()


def test_second_delivery_keeps_existing_org_ids(library_run: LibraryRun) -> None:
    # Only the household register was delivered again: every organisation keeps its id and code.
    query = "select org_id, uscc, name from lib_legal_entity.organization"
    with library_run.connect(first=True) as con:
        before = set(con.execute(query).fetchall())
    with library_run.connect() as con:
        after = set(con.execute(query).fetchall())
    assert before == after


def test_history_row_of_the_mover_is_closed_and_continued(library_run: LibraryRun) -> None:
    mover = library_run.mover
    with library_run.connect() as con:
        person_id, address = con.execute(
            "select person_id, address from lib_population.person where id_number = ?", [mover.id_number]
        ).fetchone()
        history = con.execute(
            "select valid_from, valid_to, address, is_current from lib_population.person_history "
            "where person_id = ? order by valid_from",
            [person_id],
        ).pl()
    assert address == mover.new_address
    closed = history.filter(pl.col("valid_to") == mover.delivery_date)
    assert closed["address"].to_list() == [mover.old_address]
    current = history.filter(pl.col("is_current"))
    assert current.height == 1
    assert current["address"][0] == mover.new_address
    assert current["valid_from"][0] == mover.delivery_date
    assert current["valid_to"][0] is None


def test_history_of_everyone_else_is_unchanged_apart_from_the_open_periods(library_run: LibraryRun) -> None:
    query = "select person_id, valid_from, valid_to, address from lib_population.person_history"
    with library_run.connect(first=True) as con:
        before = con.execute(query).pl()
    with library_run.connect() as con:
        after = con.execute(query).pl()
        mover_id = con.execute(
            "select person_id from lib_population.person where id_number = ?", [library_run.mover.id_number]
        ).fetchone()[0]
    before, after = before.filter(pl.col("person_id") != mover_id), after.filter(pl.col("person_id") != mover_id)
    assert before.sort(before.columns).equals(after.sort(after.columns))
