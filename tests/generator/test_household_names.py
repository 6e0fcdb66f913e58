"""Names inside a household follow Chinese naming custom."""

from __future__ import annotations

import polars as pl

from pipelines.generator._context import stream
from pipelines.generator._geography import build_geography
from pipelines.generator._population import build_population
from pipelines.settings import load_settings


def test_household_members_rarely_share_one_full_name() -> None:
    # a child is not given the full name of a parent or sibling (naming taboo): independent
    # draws from each era's popular names gave 0.6% of households such a pair (a father and son
    # both 张强, two sisters 李娟); one in a thousand at most is left
    settings = load_settings()
    geo = build_geography(stream(1, "geography"), settings.county)
    persons = build_population(stream(1, "population"), 40_000, settings.as_of, settings.county, geo).persons
    households = persons.filter(pl.col("household_id").is_not_null())
    repeated = households.group_by("household_id", "name").len().filter(pl.col("len") > 1)
    assert households["household_id"].n_unique() > 10_000
    assert repeated.height <= households["household_id"].n_unique() / 1000
    # twins keep their paired names, one character shared
    twins = persons.filter(pl.col("twin_of").is_not_null()).join(persons, left_on="twin_of", right_on="person_id", suffix="_sib")
    assert twins.height > 0
    assert (twins["name"] != twins["name_sib"]).all()
