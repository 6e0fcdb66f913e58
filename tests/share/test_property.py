"""A package never holds a column that was not granted, and never an unmasked personal value
that the approval did not grant in clear (a property over random requests and approvals)."""

from __future__ import annotations

import json
import shutil

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contracts import get_contract
from tests.share.conftest import ROWS

SOURCES = ("gongan__household_register", "shichang__individual_business")


@st.composite
def cases(draw):
    source = draw(st.sampled_from(SOURCES))
    names = [c.name for c in get_contract(source).columns]
    items = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    approval = draw(st.sampled_from(["none", "provider", "requester"]))
    clear = draw(st.lists(st.sampled_from(items), unique=True))
    requester = draw(st.sampled_from(["minzheng", "zhujian", "weijian"]))
    return source, items, approval, clear, requester


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_a_package_never_holds_an_ungranted_column(share_env, case) -> None:
    source, items, approval, clear, requester = case
    env = share_env
    for folder in (env.settings.requests_path, env.settings.approvals_path, env.settings.share_path):
        shutil.rmtree(folder, ignore_errors=True)
    env.request("R-P", requester, source, items)
    provider = source.split("__")[0]
    if approval != "none":
        env.approval(provider if approval == "provider" else requester, "R-P", clear_items=clear)
    env.share()
    items_decided = env.con.execute(
        "select items from catalog.share_requests where run_id = ? and request_id = 'R-P'", [f"run-{env.runs}"]
    ).fetchone()[0]
    granted = {i["item"] for i in items_decided if i["granted"]}
    folder = env.settings.share_path / requester / "R-P"
    if not granted:
        assert not folder.exists()
        return
    data = pl.read_parquet(folder / "data.parquet")
    assert set(data.columns) == granted <= set(items)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    contract = get_contract(source)
    for name in data.columns:
        column = contract.column(name)
        if column.sensitivity.value not in ("personal", "sensitive"):
            continue
        in_clear = approval == "provider" and name in clear
        originals = {row.get(column.name_zh) for row in ROWS[source]} - {None}
        values = set(data[name].drop_nulls())
        masking = next(i["masking"] for i in manifest["items"] if i["item"] == name)
        if in_clear:
            assert masking.startswith("clear") and values == originals
        else:
            assert masking == "masked"
            assert not values & {v for v in originals if len(v) >= 2}, (name, values)
