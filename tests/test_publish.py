"""Open data: small counts are suppressed so that nobody in a small cell can be named."""

from __future__ import annotations

import polars as pl

from pipelines.publish import suppress_small_counts


def test_small_cells_and_the_cells_that_would_give_them_away_are_emptied() -> None:
    frame = pl.DataFrame({
        "township": ["big", "one_man", "tiny", "no_men", "empty"],
        "population": [1200, 400, 3, 40, 0],
        "male": [610, 1, 1, 0, 0],
        "female": [590, 399, 2, 40, 0],
    })
    out = suppress_small_counts(frame, "population", ["male", "female"], minimum=5)
    rows = {r["township"]: (r["population"], r["male"], r["female"], r["suppressed"]) for r in out.to_dicts()}
    # a large township is published as it is
    assert rows["big"] == (1200, 610, 590, False)
    # one man: his count is emptied, and the women's too (400 - 399 would give it back)
    assert rows["one_man"] == (400, None, None, True)
    # a township of three people: nothing of it is published
    assert rows["tiny"] == (None, None, None, True)
    # zeros name nobody and stay
    assert rows["no_men"] == (40, 0, 40, False)
    assert rows["empty"] == (0, 0, 0, False)


def test_population_by_township_suppresses_with_the_settings_threshold(tmp_settings) -> None:
    import duckdb

    from pipelines.publish import population_by_township

    first, second = (t.code for t in tmp_settings.county.townships[:2])
    con = duckdb.connect()
    con.execute("create schema lib_population")
    con.execute(
        "create table lib_population.person as select * from (values "
        + ", ".join([f"('{first}', '1', '正常')"] * 2 + [f"('{first}', '2', '正常')"] * 30
                    + [f"('{second}', '1', '正常')"] * 20 + [f"('{second}', '2', '正常')"] * 20)
        + ") t(township_code, gender, register_status)"
    )

    def published(minimum: int) -> dict[str, tuple]:
        settings = tmp_settings.model_copy(update={"open_min_count": minimum})
        frame = population_by_township(con, settings)
        return {r["township_code"]: (r["population"], r["male"], r["female"], r["suppressed"])
                for r in frame.to_dicts() if r["township_code"] in (first, second)}

    assert published(5) == {first: (32, None, None, True), second: (40, 20, 20, False)}
    assert published(1) == {first: (32, 2, 30, False), second: (40, 20, 20, False)}
