"""The information systems library on the tiny county: the planted zombie and shadow systems
are found (bench/systems.py measures the same at small and county scale), every candidate
carries its reasons, and the cloud share adds up from the library's own rows."""

from __future__ import annotations

import polars as pl

from .conftest import LibraryRun


def test_planted_zombies_and_shadows_are_found(library_run: LibraryRun) -> None:
    truth = pl.read_parquet(library_run.truth / "systems.parquet")
    with library_run.connect(first=True) as con:
        zombies = {r[0] for r in con.execute("select system_code from lib_systems.zombie_candidate").fetchall()}
        pairs = {frozenset(r) for r in con.execute(
            "select system_code_a, system_code_b from lib_systems.shadow_candidate").fetchall()}
        reasons = con.execute("select count(*) from lib_systems.zombie_candidate where len(reasons) = 0").fetchone()
    true_zombies = set(truth.filter(pl.col("is_zombie"))["system_code"])
    true_pairs = {frozenset(r) for r in truth.filter(pl.col("shadow_of").is_not_null())
                  .select("system_code", "shadow_of").iter_rows()}
    assert true_zombies and true_pairs
    assert len(zombies & true_zombies) >= 0.9 * len(true_zombies) and len(zombies & true_zombies) >= 0.9 * len(zombies)
    assert len(pairs & true_pairs) >= 0.9 * len(true_pairs) and len(pairs & true_pairs) >= 0.9 * len(pairs)
    near_misses = set(truth.filter(pl.col("near_miss").is_not_null())["system_code"])
    assert not zombies & near_misses
    assert reasons == (0,)


def test_county_cloud_share_adds_up_from_the_departments(library_run: LibraryRun) -> None:
    with library_run.connect(first=True) as con:
        county = con.execute(
            "select systems_in_use, systems_fit, systems_fit_on_cloud, cloud_share from lib_systems.cloud_migration "
            "where scope = 'county'").fetchone()
        departments = con.execute(
            "select sum(systems_in_use), sum(systems_fit), sum(systems_fit_on_cloud) from lib_systems.cloud_migration "
            "where scope = 'department'").fetchone()
        ledger = con.execute(
            "select count(*) filter (where is_in_use), "
            "count(*) filter (where is_in_use and not is_classified and not is_on_cloud) "
            "from lib_systems.information_system").fetchone()
    assert county is not None and departments is not None and ledger is not None
    assert county[:3] == departments
    assert county[0] == ledger[0]
    assert county[3] == county[2] / county[1]
