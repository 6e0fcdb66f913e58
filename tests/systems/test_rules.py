"""Each rule of the systems library on a crafted ledger and its logs, with every near-miss the
rules must tell apart, the cloud share computed by hand, reasons on every candidate, and
dispositions that survive a rerun."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.errors import GovdataError
from pipelines.settings import Settings

from .conftest import Crafted, build_systems, query

ADMIN = ["sysadmin"]
STAFF = ["zhangwei", "liuyang", "wangfang", "chenjing", "lihua", "zhaolei"]
YEAR_START, AS_OF_DAY = date(2025, 11, 5), date(2026, 10, 30)


def _county() -> Crafted:
    c = Crafted()
    # zombies
    c.system("Z01", "治安档案系统", "A", "治安档案")
    c.every("Z01", YEAR_START, date(2026, 3, 1), 7, STAFF[:2], ["查询", "登录"])  # stopped in March
    c.system("Z02", "殡葬管理系统", "B", "火化记录")  # never logged
    c.system("Z03", "地名管理系统", "B", "地名档案")
    c.every("Z03", date(2026, 5, 10), date(2026, 10, 25), 7, ADMIN, ["登录"])  # the administrator's checks
    c.access("Z03", datetime(2026, 7, 1, 9), "sysadmin", "查询")
    c.system("Z04", "卫生监督旧系统", "D", "卫生监督检查记录；监督对象名录", launched=date(2012, 3, 1))
    c.every("Z04", date(2026, 6, 1), date(2026, 8, 1), 20, STAFF[:2], ["查询", "登录"])  # look-ups 6-01, 7-11
    c.system("N04", "卫生监督一体化平台", "D", "监督对象名录；卫生监督检查记录；电子材料", launched=date(2023, 5, 1),
             deployment="政务云")
    c.every("N04", YEAR_START, AS_OF_DAY, 2, STAFF, ["查询", "修改", "导出"])
    c.system("Z05", "年度考核系统", "C", "考核结果")
    c.every("Z05", date(2026, 2, 2), date(2026, 2, 28), 1, STAFF[:2], ["修改"])  # a busy month, two accounts
    c.system("Z06", "行政执法监督系统", "C", "执法监督记录")
    c.every("Z06", YEAR_START, date(2026, 3, 31), 1, STAFF, ["查询", "修改"])  # busy for five months, then none
    # near-misses of zombies
    c.system("NRH", "企业年报系统", "C", "企业年度报告")
    c.every("NRH", date(2026, 2, 2), date(2026, 2, 28), 1, STAFF + ["sunli", "zhoujie"], ["修改", "查询"])
    c.system("NNEW", "智慧警务平台", "A", "警情信息", launched=date(2026, 8, 1))
    c.system("NFUT", "雪亮工程平台", "A", "视频点位", launched=date(2027, 1, 1), status="建设中")
    c.system("NRET", "老龄工作系统", "B", "老年人名册", status="停用", deployment="政务云")
    c.system("NTRY", "电子档案系统", "A", "电子档案目录", launched=None, status="试运行")  # no launch date, no logs
    c.system("NCOD", "移动办公系统", "A", "公文", deployment="本地机房")
    c.every("NCOD", YEAR_START, AS_OF_DAY, 3, STAFF, ["A01", "A02"])  # the log's own action codes
    c.system("NQUI", "职业病报告系统", "D", "职业病报告卡", deployment="政务云", classified=True)
    c.every("NQUI", YEAR_START, AS_OF_DAY, 7, STAFF[:2], ["查询"])
    # shadows
    c.system("S1A", "人口信息管理系统", "A", "户籍人口信息；居住证办理信息", records=10000, deployment="政务云")
    c.every("S1A", YEAR_START, AS_OF_DAY, 1, STAFF, ["查询", "导出", "修改", "登录"])
    c.system("S1B", "人口基础库", "C", "户籍人口数据;居住证办理信息（副本）", records=9800, deployment="电子政务云平台")
    c.every("S1B", YEAR_START, AS_OF_DAY, 5, STAFF[:3], ["查询", "登录"])
    c.system("S2A", "社会救助核查系统", "B", "低保对象；特困人员", records=5000)
    c.every("S2A", YEAR_START, AS_OF_DAY, 2, STAFF, ["view", "LOGIN", "update"])
    c.system("S2B", "困难群众核查平台", "D", "低保对象；特困人员；临时救助", records=1000, level="等保4级",
             deployment="政务云")
    c.every("S2B", YEAR_START, AS_OF_DAY, 6, STAFF[:3], ["查询"])
    # near-misses of shadows: names alike but other data; the same data for another job
    c.system("NNA", "不动产登记系统", "C", "不动产登记簿")
    c.every("NNA", YEAR_START, AS_OF_DAY, 3, STAFF, ["查询"])
    c.system("NNB", "不动产登记平台", "D", "登记申请材料", deployment="政务云")
    c.every("NNB", YEAR_START, AS_OF_DAY, 3, STAFF, ["查询"])
    c.system("NOA", "婚姻登记系统", "B", "婚姻登记信息", records=50000)
    c.every("NOA", YEAR_START, AS_OF_DAY, 2, STAFF, ["查询", "修改"])
    c.system("NOB", "民政数据驾驶舱", "C", "婚姻登记数据", records=400)
    c.every("NOB", YEAR_START, AS_OF_DAY, 4, STAFF[:3], ["查询"])
    return c


@pytest.fixture(scope="module")
def built(crafted_settings: Settings) -> Path:
    from pipelines.warehouse import connect

    with connect(crafted_settings) as con:
        _county().write(con)
    build_systems(crafted_settings)
    return crafted_settings.warehouse_path


def _zombies(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    return {code: (codes, reasons) for code, codes, reasons in
            query(path, "select system_code, reason_codes, reasons from lib_systems.zombie_candidate")}


def test_zombie_rules_and_their_near_misses(built: Path) -> None:
    zombies = _zombies(built)
    # idle since March; never any business; only the administrator's logins; replaced by the
    # newer system of the same owner; a busy month by two accounts is no yearly rhythm
    assert zombies["Z01"][0] == ["idle"]
    assert zombies["Z02"][0] == ["idle"]
    assert zombies["Z03"][0] == ["login_only"]
    assert zombies["Z04"][0] == ["replaced"]
    assert zombies["Z05"][0] == ["idle"]
    # heavy use by many accounts every month until April: steady use that stopped, not a season
    assert zombies["Z06"][0] == ["idle"]
    # never zombies: a yearly rhythm, launched within the window, not yet live (launch date or
    # status), listed as retired, two accounts querying every week, actions of no known kind, and
    # every busy system
    assert set(zombies) == {"Z01", "Z02", "Z03", "Z04", "Z05", "Z06"}


def test_every_zombie_carries_its_evidence(built: Path) -> None:
    zombies = _zombies(built)
    assert "最后一次业务访问 2026-02-25" in zombies["Z01"][1][0]  # 2025-11-05 + 16 weeks, a query
    assert "没有任何业务访问" in zombies["Z02"][1][0]
    assert "来自 1 个账号" in zombies["Z03"][1][0]
    assert "N04" in zombies["Z04"][1][0] and "67%" in zombies["Z04"][1][0]
    row = query(built, "select last_business_activity, annual_cost, replaced_by, review_status, is_new "
                       "from lib_systems.zombie_candidate where system_code = 'Z04'")[0]
    assert row[0] == date(2026, 7, 11) and float(row[1]) == 10.0 and row[2] == "N04" and row[3:] == ("new", True)


def test_shadow_rule_needs_overlap_and_one_more_sign(built: Path) -> None:
    rows = query(built, "select system_code_a, system_code_b, reason_codes, reasons, primary_system_code, "
                        "overlap from lib_systems.shadow_candidate order by 1, 2")
    pairs = {(a, b): (codes, reasons, primary, overlap) for a, b, codes, reasons, primary, overlap in rows}
    # a copy of the population system (same data spelled otherwise, nearly every record), and two
    # systems doing the same check on mostly the same data; names alike with other data, and the
    # same data used by a dashboard with a handful of records, are not shadows
    assert set(pairs) == {("S1A", "S1B"), ("S2A", "S2B")}
    codes, reasons, primary, overlap = pairs[("S1A", "S1B")]
    assert overlap == 1.0 and "records_close" in codes and primary == "S1A"
    assert codes[0] == "data_overlap" and len(reasons) == len(codes)
    codes, reasons, primary, overlap = pairs[("S2A", "S2B")]
    assert codes == ["data_overlap", "same_function"] and primary == "S2A"
    assert overlap == pytest.approx(2 / 3) and "核查" in reasons[1]


def test_resources_are_standardised_to_the_contracts_names(built: Path) -> None:
    rows = dict(query(built, "select system_code, data_resources from lib_systems.information_system "
                             "where system_code in ('S1A', 'S1B')"))
    # 户籍人口数据 and 居住证办理信息（副本） are the household register's and residence permit's resources
    assert rows["S1A"] == rows["S1B"] == ["居住证办理信息", "户籍人口信息"]
    owners = dict(query(built, "select system_code, owner_org_id from lib_systems.information_system"))
    assert owners["S1A"] == "O1" and owners["S1B"] == "O3"


def test_cloud_share_by_hand(built: Path) -> None:
    rows = {unit: rest for unit, *rest in query(
        built, "select unit_id, systems_in_use, systems_classified, systems_level_excluded, systems_fit, "
               "systems_fit_on_cloud, cloud_share, systems_to_move, meets_target from lib_systems.cloud_migration")}
    # department D: Z04 (local), N04 (cloud), NQUI (classified), S2B (等保4级), NNB (cloud):
    # 5 in use, 3 fit, 2 of them on the cloud = 66.7% < 70%; ceil(0.7 * 3) - 2 = 1 to move
    assert rows["department:O4"][:5] == [5, 1, 1, 3, 2]
    assert rows["department:O4"][5] == pytest.approx(2 / 3) and rows["department:O4"][6:] == [1, False]
    # the county: 22 systems, NRET retired -> 21 in use, NQUI classified, S2B excluded -> 19 fit;
    # on the cloud N04, NNB, S1A, S1B (电子政务云平台) = 4 -> 21.1%; ceil(0.7 * 19) - 4 = 10 to move
    assert rows["county"][:5] == [21, 1, 1, 19, 4]
    assert rows["county"][5] == pytest.approx(4 / 19) and rows["county"][6:] == [10, False]


def test_portfolio_suggests_one_action_with_its_reason(built: Path) -> None:
    actions = {code: (action, reason, into) for code, action, reason, into in
               query(built, "select system_code, action, reason, merge_into from lib_systems.portfolio")}
    assert actions["Z01"][0] == "retire" and "180" in actions["Z01"][1]
    assert actions["S1B"][0] == "merge" and actions["S1B"][2] == "S1A"
    assert actions["NRET"][0] == "retire" and "停用" in actions["NRET"][1]
    assert actions["NQUI"][0] == "keep" and actions["NNEW"][0] == "migrate"
    assert all(reason for _, reason, _ in actions.values())


def test_accounts_are_masked(built: Path) -> None:
    rows = query(built, "select distinct_accounts, accounts_masked from lib_systems.system_activity "
                        "where system_code = 'S1A'")
    assert rows and all(len(masked) == n for n, masked in rows)
    shown = {a for _, masked in rows for a in masked}
    assert not shown & set(STAFF) and all("*" in a for a in shown)


def test_a_disposition_is_shown_and_survives_a_rerun(built: Path, crafted_settings: Settings) -> None:
    from pipelines.systems import record_disposition

    with pytest.raises(GovdataError, match="not on the ledger"):
        record_disposition(crafted_settings, "NOPE", "keep", "x", "y")
    with pytest.raises(GovdataError, match="--note"):
        record_disposition(crafted_settings, "Z01", "keep", " ", "y")
    record_disposition(crafted_settings, "Z01", "keep", "审计前仍需查询历史治安档案", "王审核")
    record_disposition(crafted_settings, "S1B", "merge", "并入人口信息管理系统", "王审核")
    for _ in range(2):  # the next build, and the one after: the decisions stay
        build_systems(crafted_settings)
        z = query(built, "select review_status, is_new, disposition_note from lib_systems.zombie_candidate "
                         "where system_code = 'Z01'")
        assert z == [("keep", False, "审计前仍需查询历史治安档案")]
        new = [r[0] for r in query(built, "select system_code from lib_systems.zombie_candidate where is_new")]
        assert "Z01" not in new and "Z02" in new
        s = query(built, "select review_status from lib_systems.shadow_candidate where system_code_b = 'S1B'")
        assert s == [("merge",)]
        action, reason = query(built, "select action, reason from lib_systems.portfolio where system_code = 'Z01'")[0]
        assert action == "migrate" and "处置意见保留" in reason and "王审核" in reason
    assert query(built, "select count(*) from dq.system_dispositions")[0][0] == 2
