"""Natural resources (自然资源局): township boundaries and land parcels as GeoJSON (WGS 84)."""

from __future__ import annotations

from collections.abc import Iterator

import json
import math

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._geography import nearest_township, township_polygons
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources.shichang import damage_credit_code

USES = np.array(["工业用地", "仓储用地", "商服用地", "工业用地"])


def _area_km2(ring: list[tuple[float, float]]) -> float:
    lat0 = math.radians(sum(y for _, y in ring) / len(ring))
    xs = [x * 111.32 * math.cos(lat0) for x, _ in ring]
    ys = [y * 110.57 for _, y in ring]
    return abs(sum(xs[i] * ys[(i + 1) % len(xs)] - xs[(i + 1) % len(xs)] * ys[i] for i in range(len(xs)))) / 2


def boundaries(ctx: Context) -> list[Delivery]:
    contract = get_contract("ziranziyuan__township_boundary")
    tw = ctx.geo.townships
    rings = township_polygons(tw)
    d = delivery_dates(contract.update_cycle, ctx.as_of, day=16)[-1]
    geometry = [json.dumps({"type": "Polygon", "coordinates": [[[x, y] for x, y in r] + [list(r[0])]]})
                for r in rings]
    frame = c.keyed(pl.DataFrame({
        "township_code": tw["township_code"],
        "township_name": tw["township_name"],
        "area_km2": [f"{_area_km2(r):.2f}" for r in rings],
        "geometry": geometry,
    }))
    return [Delivery(contract=contract, delivery_date=d, file_name=f"乡镇界_{stamp(d)}.geojson", frame=frame)]


def parcels(ctx: Context) -> list[Delivery]:
    """Construction-land parcels held by enterprises: small rectangles inside their township."""
    contract = get_contract("ziranziyuan__land_parcel")
    rng = ctx.rng("ziranziyuan.parcel")
    d = delivery_dates(contract.update_cycle, ctx.as_of, day=16)[-1]
    firms = ctx.orgs.filter((pl.col("category") == "enterprise") & (pl.col("established") < pl.lit(d)))
    firms = firms.filter(pl.Series(rng.random(firms.height) < 0.4)).sort("township_code", "org_id", maintain_order=True)
    tw = ctx.geo.townships
    centre = tw.select("township_code", "township_name", "lon", "lat")
    firms = firms.join(centre, on="township_code", how="left", maintain_order="left")
    n = firms.height
    lon = firms["lon"].to_numpy() + rng.normal(0, 0.02, n)
    lat = firms["lat"].to_numpy() + rng.normal(0, 0.015, n)
    own = np.searchsorted(tw["township_code"].to_numpy(), firms["township_code"].to_numpy())
    inside = nearest_township(lon, lat, tw) == own
    lon = np.where(inside, lon, firms["lon"].to_numpy() + rng.normal(0, 0.001, n))
    lat = np.where(inside, lat, firms["lat"].to_numpy() + rng.normal(0, 0.001, n))
    half_w = np.sqrt(rng.lognormal(9, 0.8, n)) / 2 / 90_000  # ~ square metres -> degrees
    area = (2 * half_w * 90_000) ** 2
    geoms = [json.dumps({"type": "Polygon", "coordinates": [[
        [round(x - w, 6), round(y - w, 6)], [round(x + w, 6), round(y - w, 6)],
        [round(x + w, 6), round(y + w, 6)], [round(x - w, 6), round(y + w, 6)], [round(x - w, 6), round(y - w, 6)]]]})
        for x, y, w in zip(lon, lat, half_w, strict=True)]
    frame = c.keyed(firms.select(
        parcel_code=pl.concat_str(pl.col("township_code"), pl.lit("001GB"),
                                  pl.int_range(1, pl.len() + 1).over("township_code").cast(pl.String).str.zfill(5),
                                  pl.lit("W00000000")),
        location=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("address")),
        owner=pl.col("name"),
        owner_uscc=pl.col("uscc"),
        land_use=pl.Series(USES[rng.integers(0, len(USES), n)]),
        area_m2=pl.Series(np.round(area, 2)).cast(pl.String),
        right_type=pl.lit("国有建设用地使用权"),
        registered=c.date_str(pl.col("established") + pl.duration(days=90)),
        __p_owner=pl.col("org_id"),
    ).with_columns(geometry=pl.Series(geoms, dtype=pl.String)))
    mess = Mess(rng, frame)
    damage_credit_code(mess, "owner_uscc", 0.6)
    return [Delivery(contract=contract, delivery_date=d, file_name=f"宗地_{stamp(d)}.geojson",
                     frame=mess.frame, defects=mess.defects())]


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from boundaries(ctx)
    yield from parcels(ctx)
