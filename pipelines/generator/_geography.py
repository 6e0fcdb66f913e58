"""The county's villages, streets and standard addresses, built from the settings profile.

Township codes and names come from the county profile; villages follow the statistics bureau's
rule (12 digits; 001-199 residents' committees, 200-399 villagers' committees) because real village
codes are not available offline. Every household lives at one standard address with coordinates,
which civil affairs delivers as the place-name and address register.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.settings import CountyProfile

# Names a township had before its current one, as older extracts and residents still write them.
# The profile holds only current names, so the generator keeps these plausible historic forms.
HISTORIC_TOWNSHIP_NAMES: dict[str, str] = {
    "振兴街道": "城关镇",
    "信发街道": "城关镇",
    "温陈街道": "温陈乡",
    "乐平铺镇": "乐平铺乡",
    "杨官屯乡": "杨官屯公社",
    "洪官屯镇": "洪官屯乡",
    "肖家庄镇": "肖家庄乡",
}

_VILLAGE_SUFFIX = np.array(["庄", "村", "屯", "集", "寨", "楼", "店", "营", "堂", "口"])
_VILLAGE_PREFIX = np.array(["", "", "", "前", "后", "东", "西", "南", "北", "大", "小", "新"])
_VILLAGE_SURNAMES = np.array(list("王张李刘陈杨赵孙马高徐周郭朱吴胡于宋田韩曹孟许崔董冯吕贾魏杜谢侯何郑薛石程任姜"))
_COMMUNITY_NAMES = np.array(
    "府前 振兴 新城 信发 温陈 湖滨 文化 建设 东关 西关 南关 北关 富民 和平 花园 金牛湖 "
    "光明 育才 康乐 幸福 望岳 胜利 中心 新华 顺河 民主".split()
)
_STREETS = np.array(
    "振兴路 新政街 府前街 文化路 建设街 湖滨路 信发街 中心大街 光明路 茌山路 东环路 西环路 "
    "南环路 北环路 金牛湖路 温陈路 育才路 民主路 胜利街 富民路".split()
)

# Population shares of the townships, in profile order when it is Chiping's; uniform otherwise.
_CHIPING_SHARES = (14, 10, 7, 7, 7, 6, 7, 7, 6, 6, 6, 6, 6, 5)
CENTRE_LON, CENTRE_LAT = 116.255, 36.580


@dataclass(frozen=True)
class Geography:
    """Townships and villages (residents' and villagers' committees) with centroids."""

    townships: pl.DataFrame  # township_code, township_name, old_name, is_subdistrict, share, lon, lat
    villages: pl.DataFrame  # village_code, village_name, township_code, is_community, lon, lat


def build_geography(rng: np.random.Generator, county: CountyProfile) -> Geography:
    """Townships from the profile and ~700 generated villages and communities."""
    codes = [t.code for t in county.townships]
    names = [t.name for t in county.townships]
    n = len(codes)
    shares = np.array(_CHIPING_SHARES if n == len(_CHIPING_SHARES) else [1] * n, dtype=float)
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = np.where(np.arange(n) < 3, 0.02, 0.16) + rng.uniform(-0.02, 0.02, n)
    townships = pl.DataFrame(
        {
            "township_code": codes,
            "township_name": names,
            "old_name": [HISTORIC_TOWNSHIP_NAMES.get(x, x) for x in names],
            "is_subdistrict": [x.endswith("街道") for x in names],
            "share": shares / shares.sum(),
            "lon": CENTRE_LON + radius * np.cos(angle),
            "lat": CENTRE_LAT + radius * np.sin(angle) * 0.8,
        }
    )
    frames = []
    for row in townships.iter_rows(named=True):
        n_comm = 8 if row["is_subdistrict"] else 2
        n_vill = 12 if row["is_subdistrict"] else int(round(row["share"] * 700))
        comm_names = rng.choice(_COMMUNITY_NAMES, n_comm, replace=False)
        comm = pl.DataFrame(
            {
                "village_code": [f"{row['township_code']}{i + 1:03d}" for i in range(n_comm)],
                "village_name": [f"{x}社区居委会" if row["is_subdistrict"] else f"{x}居委会"
                                 for x in comm_names],
                "is_community": [True] * n_comm,
            }
        )
        vill_names = _unique_village_names(rng, n_vill)
        vill = pl.DataFrame(
            {
                "village_code": [f"{row['township_code']}{200 + i:03d}" for i in range(n_vill)],
                "village_name": [f"{x}村委会" for x in vill_names],
                "is_community": [False] * n_vill,
            }
        )
        both = pl.concat([comm, vill])
        k = both.height
        frames.append(
            both.with_columns(
                township_code=pl.lit(row["township_code"]),
                lon=row["lon"] + rng.normal(0, 0.03, k) * np.where(both["is_community"], 0.2, 1),
                lat=row["lat"] + rng.normal(0, 0.025, k) * np.where(both["is_community"], 0.2, 1),
            )
        )
    villages = pl.concat(frames)
    lon, lat = snap_inside(villages["lon"].to_numpy(), villages["lat"].to_numpy(),
                           villages["township_code"].to_numpy(), townships)
    return Geography(townships=townships, villages=villages.with_columns(lon=lon, lat=lat))


def nearest_township(lon: np.ndarray, lat: np.ndarray, townships: pl.DataFrame) -> np.ndarray:
    """Index of the nearest township centre: the township boundaries are the Voronoi cells."""
    clon, clat = townships["lon"].to_numpy(), townships["lat"].to_numpy()
    d = (lon[:, None] - clon[None, :]) ** 2 + (lat[:, None] - clat[None, :]) ** 2
    return np.argmin(d, axis=1)


def snap_inside(lon: np.ndarray, lat: np.ndarray, codes: np.ndarray, townships: pl.DataFrame,
                fallback: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Move points that fall outside their township's boundary towards its centre (or fallback)."""
    lon, lat = lon.copy(), lat.copy()
    tcodes = townships["township_code"].to_numpy()
    own = np.searchsorted(tcodes, codes) if np.all(tcodes[:-1] <= tcodes[1:]) else np.array(
        [int(np.nonzero(tcodes == x)[0][0]) for x in codes])
    clon, clat = townships["lon"].to_numpy()[own], townships["lat"].to_numpy()[own]
    for _ in range(30):
        outside = nearest_township(lon, lat, townships) != own
        if not outside.any():
            break
        if fallback is not None:
            lon[outside], lat[outside] = fallback[0][outside], fallback[1][outside]
            fallback = None
            continue
        lon[outside] = clon[outside] + 0.6 * (lon[outside] - clon[outside])
        lat[outside] = clat[outside] + 0.6 * (lat[outside] - clat[outside])
    return lon, lat


def township_polygons(townships: pl.DataFrame, margin: float = 0.12) -> list[list[tuple[float, float]]]:
    """Boundary ring of each township: its Voronoi cell clipped to the county's bounding box."""
    clon, clat = townships["lon"].to_numpy(), townships["lat"].to_numpy()
    box = [(clon.min() - margin, clat.min() - margin), (clon.max() + margin, clat.min() - margin),
           (clon.max() + margin, clat.max() + margin), (clon.min() - margin, clat.max() + margin)]
    rings = []
    for i in range(len(clon)):
        poly = box
        for j in range(len(clon)):
            if i != j:
                poly = _clip(poly, (clon[i], clat[i]), (clon[j], clat[j]))
        rings.append([(round(x, 6), round(y, 6)) for x, y in poly])
    return rings


def _clip(poly: list[tuple[float, float]], a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """Keep the part of a convex polygon nearer to `a` than to `b` (Sutherland-Hodgman)."""
    nx, ny = b[0] - a[0], b[1] - a[1]
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2

    def side(p: tuple[float, float]) -> float:
        return (p[0] - mx) * nx + (p[1] - my) * ny

    out: list[tuple[float, float]] = []
    for k, p in enumerate(poly):
        q = poly[(k + 1) % len(poly)]
        sp, sq = side(p), side(q)
        if sp <= 0:
            out.append(p)
        if sp * sq < 0:
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _unique_village_names(rng: np.random.Generator, n: int) -> list[str]:
    """Village names like 前王庄, 大李屯, unique within the township."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        k = n * 2
        names = np.char.add(
            np.char.add(_VILLAGE_PREFIX[rng.integers(0, len(_VILLAGE_PREFIX), k)],
                        _VILLAGE_SURNAMES[rng.integers(0, len(_VILLAGE_SURNAMES), k)]),
            _VILLAGE_SUFFIX[rng.integers(0, len(_VILLAGE_SUFFIX), k)],
        )
        for name in names:
            seen.setdefault(str(name), None)
    return list(seen)[:n]


def village_short(name: pl.Expr) -> pl.Expr:
    """The village as people write it in an address: 王庄村委会 -> 王庄村, 府前社区居委会 -> 府前社区."""
    return (
        name.str.replace("社区居委会$", "社区")
        .str.replace("居委会$", "社区")
        .str.replace("村委会$", "村")
    )


def streets() -> np.ndarray:
    return _STREETS
