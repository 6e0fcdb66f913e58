"""The county's true organisations: enterprises, individual businesses, social organisations,
clinics, public institutions, government departments and village collectives.

Credit codes carry the county code valid when they were issued (371523 before the 2019 change,
371503 after), with both check characters computed, so that a pipeline checking them against
today's code alone would wrongly reject most of the county's organisations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines.generator._checks import USCC_ALPHABET, org_code_check_chars, uscc_check_chars
from pipelines.generator._population import EPOCH, Population, issuing_codes, masked
from pipelines.settings import CountyProfile

_TRADE = np.array(list("鑫瑞恒信华泰丰源达宏盛祥隆兴润金昌通凯利德远腾博嘉汇诚佳安康聚鼎晟豪"))
_INDUSTRY = np.array(
    "商贸 建材 农业科技 纺织 机械制造 铝业 物流 食品 化工 热电 建筑工程 电子商务 餐饮管理 "
    "汽车销售 养殖 粮油 家具 印刷 环保科技 新材料 医药 服装 五金 农资".split()
)
_FORM = np.array(["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"])
_SHOP = np.array(
    "超市 五金店 饭店 烧饼铺 理发店 水果店 服装店 农资店 修车铺 小卖部 包子铺 烟酒店 手机店 "
    "建材店 粮油店 养殖场 诊所 药店 快递站 面馆".split()
)
_SOCIAL = np.array(
    "书法家协会 老年人体育协会 慈善总会 个体劳动者协会 红白理事会 青年志愿者协会 养老服务中心 "
    "幼儿园 职业培训学校 社会工作服务中心 商会 摄影家协会 农业技术协会 教育基金会".split()
)
# Government departments that deliver data or issue licences, with their usual names.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("gongan", "{city}公安局{short}分局"),
    ("minzheng", "{city}{county}民政局"),
    ("renshe", "{city}{county}人力资源和社会保障局"),
    ("weijian", "{city}{county}卫生健康局"),
    ("jiaoyu", "{city}{county}教育和体育局"),
    ("shichang", "{city}{county}市场监督管理局"),
    ("shuiwu", "国家税务总局{city}{county}税务局"),
    ("tongji", "{city}{county}统计局"),
    ("fagai", "{city}{county}发展和改革局"),
    ("ziranziyuan", "{city}自然资源和规划局{short}分局"),
    ("zhujian", "{city}{county}住房和城乡建设局"),
    ("shenpi", "{city}{county}行政审批服务局"),
    ("zhifa", "{city}{county}综合行政执法局"),
    ("xinyong", "{city}{county}社会信用体系建设办公室"),
    ("dashuju", "{city}{county}大数据中心"),
    ("caizheng", "{city}{county}财政局"),
    ("nongye", "{city}{county}农业农村局"),
    ("yingji", "{city}{county}应急管理局"),
)


@dataclass(frozen=True)
class Orgs:
    """Truth frame of organisations (one row each) and the department lookup."""

    orgs: pl.DataFrame
    departments: pl.DataFrame  # department, org_id, name, uscc


def _bodies(rng: np.random.Generator, n: int, prefix: str | None) -> npt.NDArray[np.str_]:
    """8-character organisation-code bodies: `prefix` + random characters, or old 8-digit codes."""
    alphabet = np.array([c for c in USCC_ALPHABET if c not in "IOSVZ"])
    if prefix is None:
        return np.char.zfill(rng.integers(10_000_000, 99_999_999, n).astype(str), 8)
    k = 8 - len(prefix)
    chars = alphabet[rng.integers(0, len(alphabet), (n, k))]
    tail = chars.view(f"U{k}").reshape(n) if n else np.array([], dtype=f"U{k}")
    return np.char.add(prefix, tail)


def credit_codes(
    rng: np.random.Generator, head: npt.NDArray[np.str_], division: npt.NDArray[np.str_],
    body_prefix: npt.NDArray[np.object_],
) -> npt.NDArray[np.str_]:
    """GB 32100 codes: 2-char head + 6-digit division + 9-char organisation code + check.

    Codes are unique: a code drawn twice (a few among a city's hundreds of thousands) is drawn
    again for its later holders, with no extra draws when none repeats.
    """
    n = len(head)
    bodies = np.empty(n, dtype="U8")
    for prefix in sorted({str(p) for p in body_prefix}):
        sel = body_prefix == prefix
        bodies[sel] = _bodies(rng, int(sel.sum()), None if prefix == "" else prefix)
    org = np.char.add(bodies, org_code_check_chars(bodies))
    body17 = np.char.add(np.char.add(head.astype("U2"), division.astype("U6")), org)
    codes = np.char.add(body17, uscc_check_chars(body17))
    again = ~pl.Series(codes).is_first_distinct().to_numpy()
    while again.any():
        codes[again] = credit_codes(rng, head[again], division[again], body_prefix[again])
        again = ~pl.Series(codes).is_first_distinct().to_numpy()
    return codes


def _days(d: date) -> int:
    return (d - EPOCH).days


def build_orgs(
    rng: np.random.Generator, scale_factor: float, as_of: date, county: CountyProfile,
    population: Population, townships: pl.DataFrame,
) -> Orgs:
    """Organisations in proportion to the population (Chiping: ~12k enterprises, ~26k businesses)."""
    counts = {
        "enterprise": max(40, int(12_000 * scale_factor)),
        "individual_business": max(80, int(26_000 * scale_factor)),
        "social_org": max(12, int(320 * scale_factor)),
        "clinic": max(15, int(380 * scale_factor)),
        "cooperative": max(6, int(900 * scale_factor)),
    }
    kinds = np.concatenate([np.full(v, k, dtype=object) for k, v in counts.items()])
    n = len(kinds)
    as_of_days = _days(as_of)
    window_start = as_of_days - 365
    age_years = np.where(kinds == "individual_business", rng.exponential(6, n), rng.exponential(9, n))
    established = (as_of_days - 30 - age_years * 365.25).astype(int)
    established = np.maximum(established, _days(date(1985, 1, 1)))
    est_year = (np.datetime64(EPOCH) + established.astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970
    issue_year = np.maximum(est_year, 2016)
    division = issuing_codes(county, issue_year)
    head = np.select(
        [kinds == "enterprise", kinds == "individual_business", kinds == "cooperative", kinds == "social_org"],
        ["91", "92", "93", "52"], default="52",
    ).astype("U2")
    social_kind = rng.integers(0, 10, n)
    head[(kinds == "social_org") & (social_kind < 5)] = "51"
    head[(kinds == "social_org") & (social_kind == 9)] = "53"
    clinic_public = (kinds == "clinic") & (rng.random(n) < 0.35)
    head[clinic_public] = "12"
    head[(kinds == "clinic") & ~clinic_public] = "92"
    prefix = np.full(n, "", dtype=object)
    prefix[(est_year >= 2016) & np.isin(kinds, ["enterprise", "individual_business", "cooperative", "clinic"])] = "MA"
    prefix[kinds == "social_org"] = "MJ"
    uscc = credit_codes(rng, head, division, prefix)

    tw_idx = rng.choice(townships.height, n, p=townships["share"].to_numpy())
    tw_name = townships["township_name"].to_numpy()[tw_idx]
    tw_code = townships["township_code"].to_numpy()[tw_idx]
    city, cname = county.city, county.name
    old_prefix = next((h.name for h in county.historic_codes if h.code != county.code
                       and h.valid_to is not None and h.valid_to >= 2000), cname)
    new_prefix = city + cname
    trade = np.char.add(_TRADE[rng.integers(0, len(_TRADE), n)], _TRADE[rng.integers(0, len(_TRADE), n)])
    industry = _INDUSTRY[rng.integers(0, len(_INDUSTRY), n)]
    place = np.where(est_year >= 2019, new_prefix, old_prefix)
    shandong = rng.random(n) < 0.15
    place = np.where(shandong, county.province.removesuffix("省"), place)
    ent_name = np.char.add(np.char.add(np.char.add(place, trade), industry), _FORM[rng.integers(0, len(_FORM), n)])
    coop_name = np.char.add(np.char.add(np.char.add(np.char.add(old_prefix, tw_name), trade), _INDUSTRY[rng.integers(0, 4, n)]), "专业合作社")
    shop = _SHOP[rng.integers(0, len(_SHOP), n)]
    biz_name = np.char.add(np.char.add(np.char.add(np.where(est_year >= 2019, cname, old_prefix), tw_name), trade), shop)
    social_name = np.char.add(np.char.add(new_prefix, tw_name), _SOCIAL[rng.integers(0, len(_SOCIAL), n)])
    clinic_name = np.where(
        clinic_public, np.char.add(np.char.add(new_prefix, tw_name), "卫生院"),
        np.char.add(np.char.add(np.char.add(new_prefix, tw_name), trade), "诊所"),
    )
    name = np.select(
        [kinds == "enterprise", kinds == "individual_business", kinds == "cooperative", kinds == "social_org"],
        [ent_name, biz_name, coop_name, social_name], default=clinic_name,
    )
    # Names must be unique: later duplicates get a branch suffix, as registrars require.
    frame = pl.DataFrame({"name": name}).with_columns(k=pl.int_range(pl.len()).over("name"))
    name = pl.select(
        pl.when(frame["k"] > 0).then(frame["name"] + "第" + (frame["k"] + 1).cast(pl.String) + "分部")
        .otherwise(frame["name"])
    ).to_series().to_numpy().astype(str)

    persons = population.persons
    alive_adult = (
        persons.filter(
            pl.col("death_date").is_null() & pl.col("moved_out_date").is_null()
            & (pl.col("birth_date") < pl.lit(date(as_of.year - 25, 1, 1)))
            & (pl.col("birth_date") > pl.lit(date(as_of.year - 72, 1, 1)))
        )["person_id"].to_numpy()
    )
    rep = alive_adult[rng.integers(0, len(alive_adult), n)]
    renamed = (kinds == "enterprise") & (rng.random(n) < 0.04) & (established < window_start)
    rename_day = np.where(renamed, rng.integers(window_start + 30, as_of_days - 30, n), -1)
    former_name = masked(pl.Series(name), renamed)
    new_name = np.char.add(np.char.add(np.char.add(new_prefix, trade), _INDUSTRY[rng.integers(0, len(_INDUSTRY), n)]), "有限公司")
    name = np.where(renamed, new_name, name)
    rep_changed = np.isin(kinds, ["enterprise", "social_org"]) & (rng.random(n) < 0.04) & (established < window_start)
    rep_day = np.where(rep_changed, rng.integers(window_start + 30, as_of_days - 30, n), -1)
    former_rep = masked(pl.Series(rep.astype(str)), rep_changed)
    rep = np.where(rep_changed, alive_adult[rng.integers(0, len(alive_adult), n)], rep)
    dereg = np.isin(kinds, ["enterprise", "individual_business"]) & (rng.random(n) < 0.05) & (established < window_start)
    dereg_day = np.where(dereg, rng.integers(window_start, as_of_days - 20, n), -1)

    capital = np.round(np.where(kinds == "enterprise", rng.lognormal(5, 1.3, n), rng.lognormal(1.5, 1, n)), 2)
    employees = np.where(kinds == "enterprise", np.ceil(rng.lognormal(2.2, 1.1, n)), np.ceil(rng.lognormal(0.5, 0.6, n))).astype(int)
    street_no = rng.integers(1, 400, n).astype(str)
    address = np.char.add(np.char.add(np.char.add(tw_name, _ROADS[rng.integers(0, len(_ROADS), n)]), street_no), "号")
    org_id = np.char.add("O", np.char.zfill(np.arange(1, n + 1).astype(str), 7))

    def to_date(days: npt.NDArray[np.int64]) -> pl.Series:
        return masked(pl.Series(days, dtype=pl.Int32).cast(pl.Date), days >= 0)

    orgs = pl.DataFrame(
        {
            "org_id": org_id,
            "category": kinds.astype(str),
            "uscc": uscc,
            "name": name,
            "former_name": former_name,
            "renamed_date": to_date(rename_day),
            "legal_rep_id": rep.astype(str),
            "former_legal_rep_id": former_rep,
            "legal_rep_changed_date": to_date(rep_day),
            "established": pl.Series(established, dtype=pl.Int32).cast(pl.Date),
            "deregistered_date": to_date(dereg_day),
            "township_code": tw_code,
            "address": address,
            "industry": industry,
            "registered_capital": capital,
            "employees": employees,
        }
    )
    departments = _departments(rng, county, org_id_start=n + 1, persons=alive_adult)
    orgs = pl.concat([orgs, departments.drop("department")], how="diagonal_relaxed")
    return Orgs(orgs=orgs, departments=departments.select("department", "org_id", "name", "uscc"))


_ROADS = np.array("振兴路 新政街 府前街 文化路 建设街 湖滨路 信发街 中心大街 工业园路 茌山路 东环路 西环路 南环路 北环路 聊临路 国道309线 省道S254线".split())


def _departments(rng: np.random.Generator, county: CountyProfile, org_id_start: int,
                 persons: npt.NDArray[np.str_]) -> pl.DataFrame:
    """Government organs (11) and the big-data centre (12), registered after the 2019 change."""
    short = county.name.removesuffix("区").removesuffix("县")
    names = [t.format(city=county.city, county=county.name, short=short) for _, t in DEPARTMENTS]
    n = len(names)
    head = np.array(["12" if d in ("dashuju",) else "11" for d, _ in DEPARTMENTS])
    uscc = credit_codes(rng, head, np.full(n, county.code), np.full(n, "", dtype=object))
    return pl.DataFrame(
        {
            "department": [d for d, _ in DEPARTMENTS],
            "org_id": [f"O{org_id_start + i:07d}" for i in range(n)],
            "category": ["government" if h == "11" else "public_institution" for h in head],
            "uscc": uscc,
            "name": names,
            "legal_rep_id": persons[rng.integers(0, len(persons), n)].astype(str),
            "established": [date(2019, 12, 1)] * n,
            "township_code": [f"{county.code}001"] * n,
            "address": ["振兴街道府前街" + str(i + 1) + "号" for i in range(n)],
        }
    )
