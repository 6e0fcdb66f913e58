"""Big-data centre (县大数据中心): the ledger of the county's information systems and their logs.

Planted for the systems library, the ways idle and duplicated systems happen, each with the
near-misses a rule must tell apart:

- zombie systems (listed as in use, with a maintenance contract): `idle` (used steadily for
  months, then nobody has done any work in it for over half a year; some never in the logged year), `login_only` (only its
  administrator's login checks, with the odd test query), `replaced` (a newer system of the same
  owner holding the same data took over; a few look-ups of old records remain);
- shadow systems (both in use): `department_copy` (a department's own copy of a county system:
  the same data, nearly every record, another name), `same_function` (another department doing
  the same job on the same data), `names_alike` (the same system built twice under nearly the
  same name);
- near-misses: `yearly_rhythm` (an annual-report system: one heavy month, idle since), `not_live`
  (launched within the idle window, or under construction / on trial with no launch date), `quiet` (two accounts querying every week),
  `retired` (listed as no longer in use), `names_alike_data_not` (alike names, other data),
  `overlap_only` (the same data used for another job: few records, another name and function).

The truth (`data/truth/systems.parquet`) says which is which; the pipeline never reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.settings import Scale

# What each department's systems are about (subjects); a system is a subject and an aspect.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "gongan": ("户籍人口", "居住证", "治安案件", "出入境证件", "交通违法", "流动人口"),
    "minzheng": ("婚姻登记", "社会救助", "殡葬服务", "地名地址", "社会组织", "养老机构"),
    "renshe": ("养老保险", "就业失业", "劳动合同", "职业技能", "工伤认定"),
    "weijian": ("出生医学证明", "居民健康档案", "死因监测", "家庭医生签约", "医疗机构"),
    "jiaoyu": ("中小学学籍", "校舍安全", "教师资格", "学前教育", "教育经费"),
    "shichang": ("企业登记", "个体工商户", "食品经营", "特种设备", "广告监测"),
    "shuiwu": ("纳税人", "发票", "税收入库", "社保费征缴"),
    "tongji": ("统计指标", "规上企业", "农业普查", "人口抽样"),
    "fagai": ("固定资产投资", "价格监测", "重点项目", "能耗双控"),
    "ziranziyuan": ("不动产", "宗地", "耕地保护", "矿产资源", "规划许可"),
    "zhujian": ("房屋产权", "商品房预售", "建筑市场", "物业服务", "公租房"),
    "shenpi": ("行政许可", "政务服务事项", "投资审批", "好差评"),
    "zhifa": ("行政处罚", "城市管理", "执法人员", "违建治理"),
    "xinyong": ("红黑名单", "双公示", "信用承诺", "信用修复"),
    "dashuju": ("电子证照", "共享交换", "数据目录", "视频监控"),
    "caizheng": ("预算指标", "国库支付", "政府采购", "非税收入"),
    "nongye": ("农村集体资产", "农机购置", "土地承包", "动物防疫", "农产品质量"),
    "yingji": ("安全生产", "应急物资", "自然灾害", "危化品企业"),
}
# Aspects: the job a system does (its name's last word) and the data it keeps for it.
ASPECTS: dict[str, tuple[str, ...]] = {
    "登记": ("登记信息", "变更记录"),
    "审批": ("审批事项", "办件信息"),
    "监管": ("监管对象", "检查记录"),
    "档案": ("档案目录", "电子档案"),
    "统计": ("统计报表", "统计台账"),
    "服务": ("服务对象", "办理记录"),
    "核查": ("核查名单", "核查结果"),
    "监测": ("监测点位", "监测记录"),
    "预警": ("预警规则", "预警记录"),
    "查询": ("查询日志", "查询结果"),
}
SHORT = {"gongan": "公安", "minzheng": "民政", "renshe": "人社", "weijian": "卫健", "jiaoyu": "教体",
         "shichang": "市场监管", "shuiwu": "税务", "tongji": "统计", "fagai": "发改", "ziranziyuan": "自然资源",
         "zhujian": "住建", "shenpi": "审批", "zhifa": "执法", "xinyong": "信用", "dashuju": "大数据",
         "caizheng": "财政", "nongye": "农业农村", "yingji": "应急"}
# Planted per kind (zombie kinds, shadow kinds) and per near-miss kind, by scale.
PER_KIND = {Scale.TINY: 3, Scale.SMALL: 8, Scale.COUNTY: 10, Scale.CITY: 12}
NEAR_MISSES = {Scale.TINY: 2, Scale.SMALL: 4, Scale.COUNTY: 5, Scale.CITY: 6}
NORMAL = {Scale.TINY: 40, Scale.SMALL: 80, Scale.COUNTY: 100, Scale.CITY: 140}
ZOMBIE_KINDS = ("idle", "login_only", "replaced")
SHADOW_KINDS = ("department_copy", "same_function", "names_alike")
NEAR_MISS_KINDS = ("yearly_rhythm", "not_live", "quiet", "retired", "names_alike_data_not", "overlap_only")
OPERATORS = ("浪潮软件股份有限公司", "中国电信股份有限公司聊城分公司", "山东众阳健康科技集团有限公司",
             "中国联合网络通信有限公司聊城市分公司", "自行运维")


def _system(dept: str, name: str, resources: list[str], launched: date, records: int, **extra: Any) -> dict[str, Any]:
    row = {"department": dept, "name": name, "resources": resources, "launched": launched, "records": records,
           "status": "在用", "pattern": "active", "rate": None, "is_zombie": False, "zombie_kind": None,
           "shadow_of": None, "shadow_kind": None, "near_miss": None, "replaced_by": None, "stop_days": None}
    row.update(extra)
    return row


def _plan(ctx: Context) -> list[dict[str, Any]]:
    """Every system of the county with its activity pattern and what it truly is."""
    rng = ctx.rng("dashuju.systems")
    scale = ctx.scale
    combos = [(d, s, a) for d, subjects in SUBJECTS.items() for s in subjects for a in ASPECTS]
    order = rng.permutation(len(combos))
    used_subjects: set[str] = set()
    picked: list[tuple[str, str, str]] = []
    for i in order:  # one system per subject first, so unrelated systems never share a subject's data
        d, s, a = combos[i]
        if s not in used_subjects:
            used_subjects.add(s)
            picked.append((d, s, a))
    rest = [combos[i] for i in order if combos[i] not in picked]
    pool = iter(picked + rest)

    def old_launch() -> date:
        return date(2010 + int(rng.integers(0, 8)), int(rng.integers(1, 13)), 1)

    def launch() -> date:
        return date(2014 + int(rng.integers(0, 9)), int(rng.integers(1, 13)), 1)

    def records() -> int:
        return int(rng.lognormal(10, 1.2) * max(ctx.factor, 0.02)) + 800

    def resources(subject: str, aspect: str) -> list[str]:
        nouns = ASPECTS[aspect]
        k = int(rng.integers(1, len(nouns) + 1))
        return [subject + n for n in nouns[:k]]

    systems: list[dict[str, Any]] = []
    normals: list[dict[str, Any]] = []
    for _ in range(NORMAL[scale]):
        d, s, a = next(pool)
        row = _system(d, f"{s}{a}系统", resources(s, a), launch(), records())
        systems.append(row)
        normals.append(row)
    n = PER_KIND[scale]
    # Shadows: a copy of a normal system elsewhere, both in use; the original stays busier.
    originals = iter(normals[i] for i in rng.permutation(len(normals)))
    other_depts = list(SUBJECTS)
    for kind in SHADOW_KINDS:
        for _ in range(n):
            orig = next(originals)
            subject, aspect = orig["name"][:-4], orig["name"][-4:-2]
            dept = other_depts[int(rng.integers(0, len(other_depts)))]
            while dept == orig["department"]:
                dept = other_depts[int(rng.integers(0, len(other_depts)))]
            # the same data, spelled as another department would (信息 <-> 数据, a remark)
            copied = [r.replace("信息", "数据") if rng.random() < 0.5 else r for r in orig["resources"]]
            if kind == "department_copy":
                name = f"{SHORT[dept]}{subject}专题库"
                recs = int(orig["records"] * rng.uniform(0.9, 1.0))
                copied = copied + [f"{SHORT[dept]}{subject}标签"] if rng.random() < 0.4 else copied
            elif kind == "same_function":
                name = f"{SHORT[dept]}{subject}{aspect}子系统"
                recs = int(orig["records"] * rng.uniform(0.2, 0.6))
            else:
                name = f"{subject}{aspect}管理平台"
                recs = int(orig["records"] * rng.uniform(0.1, 0.6))
            orig["rate_floor"] = 2.0
            systems.append(_system(dept, name, copied, launch(), recs, shadow_of=id(orig), shadow_kind=kind,
                                   rate=float(rng.uniform(0.4, 0.8))))
    # Zombies, each still listed as in use with a maintenance contract.
    for kind in ZOMBIE_KINDS:
        for _ in range(n):
            d, s, a = next(pool)
            row = _system(d, f"{s}{a}系统", resources(s, a), old_launch(), records(), is_zombie=True, zombie_kind=kind)
            if kind == "idle":
                # used steadily for four months or more of the logged year, then abandoned (a
                # system used a month and quiet since would look like a yearly rhythm), or idle
                # for longer than the logs go back
                row["pattern"] = "stopped" if rng.random() < 0.5 else "none"
                row["stop_days"] = int(rng.integers(200, 240))
            elif kind == "login_only":
                row["pattern"] = "admin_login"
            else:
                row["pattern"] = "trickle" if rng.random() < 0.7 else "none"
                new = _system(d, f"{s}{a}一体化平台" if rng.random() < 0.5 else f"新版{s}{a}系统",
                              row["resources"] + ([f"{s}{a}电子材料"] if rng.random() < 0.4 else []),
                              date(2022 + int(rng.integers(0, 3)), int(rng.integers(1, 13)), 1),
                              int(row["records"] * rng.uniform(1.0, 1.3)), rate=float(rng.uniform(2.0, 4.0)), rate_floor=2.0)
                row["replaced_by"] = id(new)
                systems.append(new)
            systems.append(row)
    # Near-misses: what a careless rule would flag.
    m = NEAR_MISSES[scale]
    for kind in NEAR_MISS_KINDS:
        for _ in range(m):
            d, s, a = next(pool)
            row = _system(d, f"{s}{a}系统", resources(s, a), old_launch(), records(), near_miss=kind)
            if kind == "yearly_rhythm":
                row.update(name=f"{s}年报{a}系统", pattern="yearly")
            elif kind == "not_live":
                if rng.random() < 0.5:  # launched within the idle window, still finding its users
                    row.update(pattern="new", launched=ctx.as_of - timedelta(days=int(rng.integers(20, 150))))
                else:  # under construction or on trial: no launch date yet, nobody logged
                    row.update(pattern="none", launched=None, status=str(rng.choice(["建设中", "试运行"])))
            elif kind == "quiet":
                row["pattern"] = "quiet"
            elif kind == "retired":
                row.update(pattern="none", status="停用")
            elif kind == "names_alike_data_not":
                # a sibling with nearly the same name that keeps other data (at most one shared)
                other = _system(d, f"{s}{a}管理平台", [f"{s}{a}{x}" for x in ("工作台账", "人员名录", "考核记录")],
                                launch(), row["records"], near_miss=kind)
                systems.append(other)
            else:  # overlap_only: the same data used for another job, few records, another name
                job = "预警" if a != "预警" else "监测"
                other = _system(d if rng.random() < 0.5 else "dashuju", f"{SHORT[d]}运行{job}驾驶舱", list(row["resources"]),
                                launch(), max(1, int(row["records"] * rng.uniform(0.01, 0.1))), near_miss=kind)
                systems.append(other)
            systems.append(row)
    return systems


def _systems(ctx: Context) -> pl.DataFrame:
    rng = ctx.rng("dashuju.systems.frame")
    plan = _plan(ctx)
    order = rng.permutation(len(plan))
    plan = [plan[i] for i in order]
    code = {id(row): f"XT{i + 1:04d}" for i, row in enumerate(plan)}
    depts = {d: ctx.department(d) for d in SUBJECTS}
    county = ctx.settings.county.name
    prefixed = rng.random(len(plan)) < 0.7
    return pl.DataFrame({
        "system_code": [code[id(r)] for r in plan],
        "system_name": [(county + r["name"]) if p else r["name"] for r, p in zip(plan, prefixed, strict=True)],
        "department": [r["department"] for r in plan],
        "owner": [depts[r["department"]]["name"] for r in plan],
        "owner_uscc": [depts[r["department"]]["uscc"] for r in plan],
        "owner_org_id": [depts[r["department"]]["org_id"] for r in plan],
        "data_resources": ["；".join(r["resources"]) for r in plan],
        "launched": [r["launched"] for r in plan],
        "records": [r["records"] for r in plan],
        "status": [r["status"] for r in plan],
        "is_zombie": [r["is_zombie"] for r in plan],
        "zombie_kind": [r["zombie_kind"] for r in plan],
        "replaced_by": [code.get(r["replaced_by"]) for r in plan],
        "shadow_of": [code.get(r["shadow_of"]) for r in plan],
        "shadow_kind": [r["shadow_kind"] for r in plan],
        "near_miss": [r["near_miss"] for r in plan],
        "pattern": [r["pattern"] for r in plan],
        "rate": [r["rate"] if r["rate"] is not None else float(rng.lognormal(1.0, 0.7)) for r in plan],
        "rate_floor": [r.get("rate_floor", 0.4) for r in plan],
        "stop_days": [r["stop_days"] for r in plan],
    }, schema_overrides={"zombie_kind": pl.String, "replaced_by": pl.String, "shadow_of": pl.String,
                         "shadow_kind": pl.String, "near_miss": pl.String, "stop_days": pl.Int64})


def ledger(ctx: Context, systems: pl.DataFrame) -> list[Delivery]:
    contract = get_contract("dashuju__information_system")
    rng = ctx.rng("dashuju.ledger")
    d = delivery_dates(contract.update_cycle, ctx.as_of, day=25)[-1]
    n = systems.height
    levels = np.where(rng.random(n) < 0.03, "四级", np.where(rng.random(n) < 0.4, "三级", "二级"))
    draw = rng.random(n)
    classified = np.where(draw < 0.05, "是", np.where(draw < 0.35, "否", ""))
    frame = c.keyed(systems.select(
        system_code=pl.col("system_code"),
        system_name=pl.col("system_name"),
        owner=pl.col("owner"),
        owner_uscc=pl.col("owner_uscc"),
        operator=pl.Series(np.array(OPERATORS)[rng.integers(0, len(OPERATORS), n)]),
        launched=c.date_str("launched", "dot"),
        deployment=pl.Series(np.where(rng.random(n) < 0.6, "政务云", "本地机房")),
        database=pl.Series(np.array(["Oracle", "MySQL", "达梦", "SQL Server", "人大金仓"])[rng.integers(0, 5, n)]),
        data_resources=pl.col("data_resources"),
        records=pl.col("records").cast(pl.String),
        protection_level=pl.Series(levels),
        status=pl.col("status"),
        annual_cost=pl.Series(np.round(rng.uniform(3, 80, n), 2)).cast(pl.String),
        classified=pl.Series(classified),
        __p_owner=pl.col("owner_org_id"),
    ))
    zombies = systems.filter(pl.col("is_zombie"))
    ctx.add_cases("zombie_system", contract.source, "system", zombies["system_code"],
                  "zombie (" + zombies["zombie_kind"] + ")")
    shadows = systems.filter(pl.col("shadow_of").is_not_null())
    ctx.add_cases("shadow_system", contract.source, "system", shadows["system_code"],
                  "holds the same data as " + shadows["shadow_of"] + " (" + shadows["shadow_kind"] + ")")
    return [Delivery(contract=contract, delivery_date=d, file_name=f"信息系统台账_{stamp(d)}.xlsx", frame=frame,
                     title=f"{ctx.settings.county.name}政务信息系统台账", numeric=frozenset({"records", "annual_cost"}))]


BUSINESS = np.array(["查询", "查询", "查询", "导出", "修改"])


def _events(ctx: Context, systems: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Access events of the logged year (day offset from its start, action, account) per system."""
    scale = min(1.0, max(ctx.factor * 4, 0.05))
    days = 365
    start = ctx.as_of - timedelta(days=days)
    parts: list[pl.DataFrame] = []
    for row in systems.iter_rows(named=True):
        pattern, dept = row["pattern"], row["department"]
        if row["launched"] is None:
            continue
        live_from = max(0, (row["launched"] - start).days)
        if pattern in ("none",) or live_from >= days:
            continue
        if pattern in ("active", "stopped", "new"):
            rate = max(row["rate"] * scale, row["rate_floor"])
            end = days - row["stop_days"] if pattern == "stopped" else days
            if pattern == "new":
                rate = rate * 0.3
            n = int(rng.poisson(rate * max(end - live_from, 0)))
            day = rng.integers(live_from, max(end, live_from + 1), n)
            pool = int(rng.integers(8, 60))
            actions = np.where(rng.random(n) < 1 / 6, "登录", BUSINESS[rng.integers(0, len(BUSINESS), n)])
            accounts = rng.integers(1, pool + 1, n)
        elif pattern == "admin_login":
            weekly = np.arange(int(rng.integers(0, 7)), days, 7)
            day = np.sort(np.concatenate([weekly, rng.integers(0, days, int(rng.integers(0, 3)))]))
            n = len(day)
            actions = np.where(rng.random(n) < 0.02, "查询", "登录")
            accounts = rng.integers(1, 3, n) if rng.random() < 0.5 else np.ones(n, dtype=int)
        elif pattern == "trickle":
            n = int(rng.integers(1, 6))
            day = rng.integers(0, days, n)
            actions = np.where(rng.random(n) < 0.5, "登录", "查询")
            accounts = rng.integers(1, 3, n)
        elif pattern == "quiet":
            day = np.sort(np.concatenate([np.arange(int(rng.integers(0, 7)), days, 7), np.arange(3, days, 7)]))
            n = len(day)
            actions = np.where(rng.random(n) < 0.3, "登录", "查询")
            accounts = rng.integers(1, 3, n)
        elif pattern == "yearly":
            # the annual-report season: one month of heavy use between 12 and 7 months ago
            month_start = int(rng.integers(days - 330, days - 230))
            n = int(rng.integers(150, 400))
            day = month_start + rng.integers(0, 28, n)
            actions = np.where(rng.random(n) < 0.2, "登录", BUSINESS[rng.integers(0, len(BUSINESS), n)])
            accounts = rng.integers(1, int(rng.integers(12, 40)), n)
        else:
            raise ValueError(f"unknown activity pattern {pattern!r}")
        parts.append(pl.DataFrame({
            "system_code": [row["system_code"]] * n,
            "day": np.asarray(day, dtype=np.int64),
            "action": np.asarray(actions, dtype=str),
            "account": [f"{dept}{a:03d}" for a in np.asarray(accounts)],
        }, schema={"system_code": pl.String, "day": pl.Int64, "action": pl.String, "account": pl.String}))
    events = pl.concat(parts)
    secs = 8 * 3600 + rng.integers(0, 10 * 3600, events.height)
    base = datetime.combine(start, datetime.min.time())
    return events.with_columns(
        __ts=pl.lit(base) + pl.duration(days=pl.col("day"), seconds=pl.Series(secs)),
    )


def access_logs(ctx: Context, systems: pl.DataFrame) -> list[Delivery]:
    """Access events of the year, one CSV a month, by each system's planted pattern."""
    contract = get_contract("dashuju__access_log")
    rng = ctx.rng("dashuju.logs")
    events = _events(ctx, systems, rng)
    n = events.height
    frame = events.with_columns(
        ip=pl.Series(np.char.add("10.15.", np.char.add(rng.integers(1, 40, n).astype(str),
                                                       np.char.add(".", rng.integers(2, 250, n).astype(str))))),
        result=pl.Series(np.where(rng.random(n) < 0.98, "成功", "失败")),
    ).sort("__ts", "system_code", "account", maintain_order=True)
    stored = c.keyed(frame.select(
        log_id=pl.concat_str(pl.lit("L"), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(9)),
        accessed_at=pl.col("__ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
        system_code=pl.col("system_code"), account=pl.col("account"), action=pl.col("action"),
        ip=pl.col("ip"), result=pl.col("result"),
        __e=pl.col("__ts").cast(pl.Date),
    ))
    return c.monthly_deliveries(ctx, contract, stored, Mess(rng, stored).defects(), "__e",
                                lambda mth: f"访问日志_{mth:%Y%m}.csv", lag_days=2)


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    systems = _systems(ctx)
    ctx.systems.append(systems.drop("pattern", "rate", "rate_floor", "stop_days"))
    yield from ledger(ctx, systems)
    yield from access_logs(ctx, systems)
