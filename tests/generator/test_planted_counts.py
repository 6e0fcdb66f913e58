"""At `small`, every findings rule 1-8 has at least 30 planted cases (distinct entities) and
near-misses, and rule 8 has cases and near-misses for each of its comparisons: the benchmark's
recall and precision are only measurable with that many (issue 15)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.generator import generate
from pipelines.settings import load_settings

RULES = ("benefits_after_death", "dead_still_acting", "licence_after_deregistration", "allowance_eligibility",
         "registered_not_living", "business_power_mismatch", "indicator_sum_mismatch", "indicator_against_sources")
COMPARED = ("户籍人口", "企业法人单位数", "参保人数", "规模以上工业增加值")


@pytest.fixture(scope="module")
def small_cases(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    base = tmp_path_factory.mktemp("small")
    summary = generate(load_settings(landing=base / "landing", truth=base / "truth", scale="small"))
    return pl.read_parquet(Path(summary.truth) / "authenticity_cases.parquet").filter(pl.col("rule").is_not_null())


def test_every_rule_has_thirty_cases_and_near_misses_at_small(small_cases: pl.DataFrame) -> None:
    counts = small_cases.group_by("rule", "expected").agg(pl.col("entity_id").n_unique().alias("n"))
    flagged = dict(counts.filter(pl.col("expected") == "flagged").select("rule", "n").iter_rows())
    near = dict(counts.filter(pl.col("expected") == "not_flagged").select("rule", "n").iter_rows())
    assert {rule: flagged.get(rule, 0) for rule in RULES if flagged.get(rule, 0) < 30} == {}
    assert [rule for rule in RULES if near.get(rule, 0) == 0] == []


def test_residents_pension_deaths_are_rule_one_cases(small_cases: pl.DataFrame) -> None:
    """The residents' basic pension most elderly draw is where most benefits after death arise."""
    renshe = small_cases.filter((pl.col("rule") == "benefits_after_death") & (pl.col("source") == "renshe__payments"))
    assert renshe.filter(pl.col("expected") == "flagged")["entity_id"].n_unique() >= 20


def test_each_comparison_of_rule_eight_has_cases_and_near_misses(small_cases: pl.DataFrame) -> None:
    rule8 = small_cases.filter(pl.col("rule") == "indicator_against_sources").with_columns(
        indicator=pl.col("entity_id").str.split("|").list.get(1))
    for expected in ("flagged", "not_flagged"):
        present = set(rule8.filter(pl.col("expected") == expected)["indicator"])
        assert present >= set(COMPARED), (expected, present)
