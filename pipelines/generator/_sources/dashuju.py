"""Big-data centre (县大数据中心): the ledger of the county's information systems and their logs.

Planted for the systems library: zombie systems (listed as in use, no access for many months)
and shadow systems (two systems of different departments holding the same data).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c

# (owner department, system name, main data resources)
SYSTEMS = (
    ("gongan", "人口信息管理系统", "户籍人口信息"), ("gongan", "居住证管理系统", "居住证办理信息"),
    ("gongan", "治安综合管理平台", "治安案件信息"), ("minzheng", "婚姻登记管理系统", "婚姻登记信息"),
    ("minzheng", "社会救助信息系统", "低保、特困供养对象信息"), ("minzheng", "殡葬管理信息系统", "火化信息"),
    ("minzheng", "地名地址管理系统", "标准地名地址"), ("minzheng", "社会组织管理系统", "社会组织登记信息"),
    ("renshe", "社会保险经办系统", "参保人员信息；缴费及待遇发放"), ("renshe", "就业服务平台", "就业失业登记信息"),
    ("weijian", "出生医学证明管理系统", "出生医学证明"), ("weijian", "全民健康信息平台", "居民健康档案"),
    ("weijian", "死因监测系统", "死亡医学证明"), ("jiaoyu", "学籍管理系统", "中小学学籍信息"),
    ("shichang", "企业登记系统", "企业登记信息"), ("shichang", "个体工商户登记系统", "个体工商户登记信息"),
    ("shuiwu", "税收征管系统", "纳税人登记信息；税收入库信息"), ("tongji", "统计联网直报平台", "主要统计指标"),
    ("fagai", "投资项目在线审批监管平台", "固定资产投资项目"), ("ziranziyuan", "不动产登记系统", "宗地；不动产登记信息"),
    ("zhujian", "房产交易管理系统", "房屋产权登记"), ("shenpi", "一窗受理平台", "行政许可信息"),
    ("zhifa", "综合执法办案系统", "行政处罚信息"), ("xinyong", "信用信息共享平台", "红黑名单；双公示信息"),
    ("dashuju", "电子证照库", "电子证照"), ("dashuju", "政务数据共享交换平台", "共享交换目录"),
    ("caizheng", "预算管理一体化系统", "预算指标"), ("nongye", "农村集体资产管理系统", "农村集体资产"),
    ("yingji", "安全生产监管系统", "企业安全生产信息"),
    # Shadow systems: built again elsewhere, holding the same data as one above.
    ("dashuju", "人口基础信息库", "户籍人口信息"), ("minzheng", "低保对象核查系统", "低保、特困供养对象信息"),
    ("shichang", "市场主体信用信息库", "企业登记信息"),
    # Zombie systems: still on the ledger, unused since a replacement went live.
    ("jiaoyu", "教育统计旧平台", "教育事业统计数据"), ("weijian", "新农合结算系统", "新农合报销信息"),
    ("zhujian", "住房公积金旧系统", "公积金缴存信息"), ("renshe", "劳动保障监察旧系统", "劳动监察案件"),
    ("nongye", "农机补贴管理系统", "农机购置补贴"),
)
SHADOWS = {29: 0, 30: 4, 31: 14}  # index of the shadow -> index of the system it copies
ZOMBIES = {32, 33, 34, 35, 36}


def _systems(ctx: Context) -> pl.DataFrame:
    rng = ctx.rng("dashuju.systems")
    n = len(SYSTEMS)
    depts = {code: ctx.department(code) for code, _, _ in SYSTEMS}
    county = ctx.settings.county.name
    launched = [datetime(2012 + int(x), int(m), 1).date() for x, m in zip(rng.integers(0, 12, n), rng.integers(1, 13, n), strict=True)]
    last_access = np.full(n, None, dtype=object)
    for z in ZOMBIES:
        last_access[z] = ctx.as_of - timedelta(days=int(rng.integers(200, 900)))
    records = (rng.lognormal(10, 1.5, n) * max(ctx.factor, 0.01)).astype(int) + 500
    for shadow, original in SHADOWS.items():
        records[shadow] = int(records[original] * rng.uniform(0.95, 1.0))
    return pl.DataFrame({
        "system_code": [f"XT{i + 1:04d}" for i in range(n)],
        "system_name": [county + name for _, name, _ in SYSTEMS],
        "department": [d for d, _, _ in SYSTEMS],
        "owner": [depts[d]["name"] for d, _, _ in SYSTEMS],
        "owner_uscc": [depts[d]["uscc"] for d, _, _ in SYSTEMS],
        "owner_org_id": [depts[d]["org_id"] for d, _, _ in SYSTEMS],
        "data_resources": [r for _, _, r in SYSTEMS],
        "launched": launched,
        "records": records,
        "is_zombie": [i in ZOMBIES for i in range(n)],
        "shadow_of": [f"XT{SHADOWS[i] + 1:04d}" if i in SHADOWS else None for i in range(n)],
        "last_access_before_window": pl.Series(last_access.tolist(), dtype=pl.Date),
        "daily_rate": np.where([i in ZOMBIES for i in range(n)], 0.0, rng.lognormal(2.5, 0.8, n)),
    })


def ledger(ctx: Context, systems: pl.DataFrame) -> list[Delivery]:
    contract = get_contract("dashuju__information_system")
    rng = ctx.rng("dashuju.ledger")
    d = delivery_dates(contract.update_cycle, ctx.as_of, day=25)[-1]
    n = systems.height
    frame = c.keyed(systems.select(
        system_code=pl.col("system_code"),
        system_name=pl.col("system_name"),
        owner=pl.col("owner"),
        owner_uscc=pl.col("owner_uscc"),
        operator=pl.Series(np.array(["浪潮软件股份有限公司", "中国电信股份有限公司聊城分公司", "山东众阳健康科技集团有限公司",
                                     "自行运维"])[rng.integers(0, 4, n)]),
        launched=c.date_str("launched", "dot"),
        deployment=pl.Series(np.where(rng.random(n) < 0.6, "政务云", "本地机房")),
        database=pl.Series(np.array(["Oracle", "MySQL", "达梦", "SQL Server", "人大金仓"])[rng.integers(0, 5, n)]),
        data_resources=pl.col("data_resources"),
        records=pl.col("records").cast(pl.String),
        protection_level=pl.Series(np.where(rng.random(n) < 0.4, "三级", "二级")),
        status=pl.lit("在用"),
        annual_cost=pl.Series(np.round(rng.uniform(3, 80, n), 2)).cast(pl.String),
        __p_owner=pl.col("owner_org_id"),
    ))
    for row in systems.filter(pl.col("is_zombie")).iter_rows(named=True):
        ctx.add_cases("zombie_system", contract.source, "system", pl.Series([row["system_code"]]),
                      f"no access since {row['last_access_before_window']}")
    shadows = systems.filter(pl.col("shadow_of").is_not_null())
    ctx.add_cases("shadow_system", contract.source, "system", shadows["system_code"],
                  "holds the same data as " + shadows["shadow_of"])
    return [Delivery(contract=contract, delivery_date=d, file_name=f"信息系统台账_{stamp(d)}.xlsx", frame=frame,
                     title=f"{ctx.settings.county.name}政务信息系统台账", numeric=frozenset({"records", "annual_cost"}))]


def access_logs(ctx: Context, systems: pl.DataFrame) -> list[Delivery]:
    """Access events of the year, one CSV a month; zombie systems have none."""
    contract = get_contract("dashuju__access_log")
    rng = ctx.rng("dashuju.logs")
    scale = min(1.0, max(ctx.factor * 4, 0.05))
    rates = systems["daily_rate"].to_numpy() * scale
    start = datetime.combine(ctx.as_of - timedelta(days=365), datetime.min.time())
    counts = rng.poisson(rates * 365)
    idx = np.repeat(np.arange(systems.height), counts)
    seconds = rng.integers(0, 365 * 86400, len(idx))
    # Office hours: fold most events into 8:00-18:00.
    day = seconds // 86400
    secs = 8 * 3600 + (seconds % 86400) % (10 * 3600)
    ts = np.datetime64(start) + (day * 86400 + secs).astype("timedelta64[s]")
    actions = np.array(["登录", "查询", "查询", "查询", "导出", "修改"])
    frame = pl.DataFrame({
        "__ts": ts, "system_code": systems["system_code"].to_numpy()[idx],
        "account": np.char.add("user", rng.integers(1, 60, len(idx)).astype(str)),
        "action": actions[rng.integers(0, len(actions), len(idx))],
        "ip": np.char.add("10.15.", np.char.add(rng.integers(1, 40, len(idx)).astype(str),
                                                np.char.add(".", rng.integers(2, 250, len(idx)).astype(str)))),
        "result": np.where(rng.random(len(idx)) < 0.98, "成功", "失败"),
    }).sort("__ts", "system_code", "account", maintain_order=True)
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
    ctx.systems.append(systems.drop("daily_rate"))
    yield from ledger(ctx, systems)
    yield from access_logs(ctx, systems)
