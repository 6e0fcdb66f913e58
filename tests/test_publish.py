"""Open data: small counts are suppressed so that nobody in a small cell can be named
(`pipelines.open_data.suppression`, applied by the publish stage with `open_min_count`)."""

from __future__ import annotations

import polars as pl

from pipelines.open_data.suppression import SuppressionRule, suppress

RULE = SuppressionRule(counts=("population", "male", "female"), sums=(("population", ("male", "female")),))


def test_small_cells_and_the_cells_that_would_give_them_away_are_emptied() -> None:
    frame = pl.DataFrame({
        "township": ["big", "one_man", "tiny", "no_men", "empty"],
        "population": [1200, 400, 3, 40, 0],
        "male": [610, 1, 1, 0, 0],
        "female": [590, 399, 2, 40, 0],
    })
    out, _ = suppress(frame, RULE, minimum=5)
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


def test_the_threshold_is_the_setting(tmp_settings) -> None:
    frame = pl.DataFrame({"township": ["a", "b"], "population": [32, 40], "male": [2, 20], "female": [30, 20]})

    def published(minimum: int) -> dict[str, tuple]:
        settings = tmp_settings.model_copy(update={"open_min_count": minimum})
        out, _ = suppress(frame, RULE, settings.open_min_count)
        return {r["township"]: (r["population"], r["male"], r["female"], r["suppressed"]) for r in out.to_dicts()}

    assert published(5) == {"a": (32, None, None, True), "b": (40, 20, 20, False)}
    assert published(1) == {"a": (32, 2, 30, False), "b": (40, 20, 20, False)}
