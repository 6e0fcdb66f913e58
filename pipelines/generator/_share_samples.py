"""Sample share requests and approvals of every kind, so that `make run` on the sample county
produces packages and refusals a new user can look at: granted, conditional with a valid approval
(one item in clear), conditional without one, approved by the requester itself, not shared,
partly granted, malformed, expired, approved with an expired approval, withdrawn.

Files are named `sample-*.yaml`; rewriting them leaves a user's own request files alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from pipelines.catalog.sources import contract_spec, mart_specs
from pipelines.contracts import get_contract
from pipelines.settings import Settings

PREFIX = "sample-"


def _code(table: str) -> str:
    if table.startswith("raw."):
        code = contract_spec(get_contract(table.removeprefix("raw."))).code
    else:
        code = next(s.code for s in mart_specs() if s.table == table)
    assert code is not None, table
    return code


def _period(start: date, end: date) -> dict[str, str]:
    return {"from": start.isoformat(), "to": end.isoformat()}


def _write(path: Path, comment: str, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, default_flow_style=None)
    path.write_text(f"# {comment}\n{text}", encoding="utf-8")


def write_share_samples(settings: Settings) -> int:
    """Write the sample requests and approvals; returns how many files were written."""
    as_of = settings.as_of
    year_ago, in_a_year = as_of - timedelta(days=365), as_of + timedelta(days=365)
    requests, approvals = settings.requests_path, settings.approvals_path
    for old in [*requests.glob(f"{PREFIX}*.yaml"), *approvals.glob(f"*/{PREFIX}*.yaml")]:
        old.unlink()
    indicator = next(s for s in mart_specs() if s.table == "lib_macro.indicator_fact")
    samples: list[tuple[str, str, dict[str, Any]]] = [
        ("01-granted", "无条件共享: granted in full", {
            "request_id": "SAMPLE-01", "requester": "fagai", "resource": _code("lib_macro.indicator_fact"),
            "items": [i.name for i in indicator.items[:5]],
            "purpose": "编制全区经济运行分析报告", "legal_basis": "《中华人民共和国统计法》第二十六条",
            "period": _period(year_ago, in_a_year)}),
        ("02-approved", "有条件共享 with the provider's valid approval: granted, id_number in clear", {
            "request_id": "SAMPLE-02", "requester": "minzheng", "resource": _code("raw.gongan__household_register"),
            "items": ["id_number", "name", "gender", "status", "division_code"],
            "purpose": "核对低保对象的户籍状态", "legal_basis": "《社会救助暂行办法》第十一条",
            "period": _period(year_ago, in_a_year)}),
        ("03-no-approval", "有条件共享 without an approval: refused", {
            "request_id": "SAMPLE-03", "requester": "weijian", "resource": _code("raw.renshe__insured_person"),
            "items": ["personal_no", "name", "status"],
            "purpose": "核对家庭医生签约居民的参保状态", "legal_basis": "《基本医疗卫生与健康促进法》第三十一条",
            "period": _period(year_ago, in_a_year)}),
        ("04-own-approval", "approved by the requesting department itself: refused", {
            "request_id": "SAMPLE-04", "requester": "minzheng", "resource": _code("raw.renshe__insured_person"),
            "items": ["name", "id_number", "status"],
            "purpose": "核对低保对象的养老金领取情况", "legal_basis": "《社会救助暂行办法》第十一条",
            "period": _period(year_ago, in_a_year)}),
        ("05-not-shared", "不予共享: refused with its basis", {
            "request_id": "SAMPLE-05", "requester": "fagai", "resource": _code("raw.shuiwu__monthly_tax"),
            "items": ["taxpayer_id", "name", "amount"],
            "purpose": "分析重点企业税收贡献", "legal_basis": "县政府常务会议纪要〔2026〕12号",
            "period": _period(year_ago, in_a_year)}),
        ("06-partial", "无条件共享 with one item of its own 有条件共享: partly granted, personal items masked", {
            "request_id": "SAMPLE-06", "requester": "zhujian", "resource": _code("raw.shichang__individual_business"),
            "items": ["uscc", "name", "operator", "operator_id", "status"],
            "purpose": "核对经营用房的使用主体", "legal_basis": "《城市房地产管理法》第五十四条",
            "period": _period(year_ago, in_a_year)}),
        ("07-malformed", "malformed: an item the resource does not have", {
            "request_id": "SAMPLE-07", "requester": "jiaoyu", "resource": _code("raw.gongan__household_register"),
            "items": ["name", "salary"],
            "purpose": "核对入学儿童户籍", "legal_basis": "《中华人民共和国义务教育法》第十二条",
            "period": _period(year_ago, in_a_year)}),
        ("08-expired", "the request's period has ended: expired (its package, if any, removed)", {
            "request_id": "SAMPLE-08", "requester": "tongji", "resource": _code("raw.minzheng__address_register"),
            "items": [get_contract("minzheng__address_register").columns[0].name],  # its key
            "purpose": "第七次全国人口普查地址核对", "legal_basis": "《全国人口普查条例》第十条",
            "period": _period(as_of - timedelta(days=730), year_ago)}),
        ("09-approval-expired", "有条件共享 whose approval has expired: refused", {
            "request_id": "SAMPLE-09", "requester": "jiaoyu", "resource": _code("raw.gongan__household_register"),
            "items": ["name", "status"],
            "purpose": "核对入学儿童户籍", "legal_basis": "《中华人民共和国义务教育法》第十二条",
            "period": _period(year_ago, in_a_year)}),
        ("10-withdrawn", "withdrawn by the requester", {
            "request_id": "SAMPLE-10", "requester": "renshe", "resource": _code("lib_macro.indicator_fact"),
            "items": [indicator.items[0].name], "purpose": "就业形势分析",
            "legal_basis": "《中华人民共和国就业促进法》第四十二条", "period": _period(year_ago, in_a_year),
            "withdrawn": True}),
    ]
    for name, comment, body in samples:
        _write(requests / f"{PREFIX}{name}.yaml", comment, body)
    approval_files = [
        ("gongan", "02", "the provider's approval, valid on the as-of date; id_number granted in clear", {
            "request_id": "SAMPLE-02", "approver": "县公安局 户政管理科", "approved_on": (as_of - timedelta(days=30)).isoformat(),
            "condition": "用于核对低保对象的户籍状态", "period": _period(as_of - timedelta(days=30), in_a_year),
            "clear_items": ["id_number"]}),
        ("minzheng", "04", "an approval by the requester itself (not the provider renshe): refused", {
            "request_id": "SAMPLE-04", "approver": "县民政局 社会救助科", "approved_on": (as_of - timedelta(days=10)).isoformat(),
            "condition": "用于核对低保对象的养老金领取情况", "period": _period(as_of - timedelta(days=10), in_a_year)}),
        ("gongan", "09", "the provider's approval, expired before the as-of date", {
            "request_id": "SAMPLE-09", "approver": "县公安局 户政管理科", "approved_on": year_ago.isoformat(),
            "condition": "用于核对入学儿童户籍", "period": _period(year_ago, as_of - timedelta(days=60))}),
    ]
    for department, number, comment, body in approval_files:
        _write(approvals / department / f"{PREFIX}{number}.yaml", comment, body)
    return len(samples) + len(approval_files)
