"""Rendering: the report's data as plain JSON values, its charts as Vega-Lite specs and the page
from Jinja2 templates (one block per section), with styles, scripts and charts inline.

Nothing here reads the clock: times come from `meta.runs` and are shown in the county's time
zone, so the same run gives the same bytes.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, UTC
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipelines.quality.docs import score_text
from pipelines.quality.vendor_assets import VENDOR_DIR
from pipelines.report._labels import template_labels

TEMPLATES = Path(__file__).with_name("templates")
VEGA_SCRIPTS = ("vega/vega.min.js", "vega/vega-lite.min.js", "vega/vega-embed.min.js")
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "微软雅黑", "PingFang SC", '
    '"Hiragino Sans GB", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Heiti SC", sans-serif'
)


def plain(value: Any, zone: ZoneInfo) -> Any:
    """JSON-ready values: times (naive UTC, as the audit tables hold them) in the county's zone
    as ISO text with the offset, dates as ISO text, NaN as null, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, zone) for v in value]
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def to_json(document: dict[str, Any]) -> bytes:
    """report.json: sorted keys, stable text, UTF-8."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


# --- charts (Vega-Lite, drawn by the inlined Vega scripts) -------------------------------------

def _chart(kind: str, values: list[dict[str, Any]], encoding: dict[str, Any], title: str, width: int = 560) -> dict[str, Any]:
    return {
        "title": title,
        "width": width,
        "height": 220,
        "data": {"values": values},
        "mark": {"type": kind, "point": True, "tooltip": True} if kind == "line" else {"type": kind, "tooltip": True},
        "encoding": encoding,
        "config": {"font": FONT_STACK, "axis": {"labelLimit": 260}},
    }


def charts(sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Vega-Lite spec of every chart on the page, by element id."""
    specs: dict[str, dict[str, Any]] = {}
    summary = sections.get("summary", {})
    scored = [
        {"dimension": cell["label"], "score": cell["score"]}
        for cell in (summary.get("scores") or {}).values() if cell.get("score") is not None
    ]
    if scored:
        specs["chart-dimensions"] = _chart("bar", scored, {
            "y": {"field": "dimension", "type": "nominal", "sort": None, "title": "维度 dimension"},
            "x": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 1]},
                  "axis": {"format": ".0%"}, "title": "得分 score"},
        }, "各维度得分 Score per dimension")
    trends = sections.get("trends", {})
    if trends.get("status") == "ok" and not trends.get("single_run"):
        x = {"field": "run", "type": "ordinal", "sort": trends["runs"], "title": "运行 run"}
        if trends["scores"]:
            specs["chart-trend-scores"] = _chart("line", trends["scores"], {
                "x": x,
                "y": {"field": "score", "type": "quantitative", "axis": {"format": ".1%"},
                      "scale": {"zero": False}, "title": "得分 score"},
                "color": {"field": "dimension", "type": "nominal", "title": "维度 dimension"},
            }, "维度得分趋势 Dimension scores over runs")
        if trends["findings"]:
            specs["chart-trend-findings"] = _chart("line", trends["findings"], {
                "x": x,
                "y": {"field": "findings", "type": "quantitative", "title": "发现数 findings",
                      "axis": {"tickMinStep": 1, "format": "d"}},
                "color": {"field": "rule", "type": "nominal", "title": "规则 rule"},
            }, "各规则发现数趋势 Findings per rule over runs")
    findings = sections.get("findings", {})
    if findings.get("status") == "ok" and findings.get("rules"):
        specs["chart-findings"] = _chart("bar", [
            {"rule": f"{r['title']} {r['rule']}", "findings": r["count"]} for r in findings["rules"]
        ], {
            "y": {"field": "rule", "type": "nominal", "sort": None, "title": "规则 rule"},
            "x": {"field": "findings", "type": "quantitative", "title": "发现数 findings",
                  "axis": {"tickMinStep": 1, "format": "d"}},
        }, "各规则发现数 Findings per rule")
    return specs


# --- filters ------------------------------------------------------------------------------------

def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _percent(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _change(value: Any) -> str:
    if value is None:
        return "—"
    points = 100 * value
    if abs(points) < 0.05:
        return "±0.0"
    return f"{points:+.1f}"


def _when(value: Any) -> str:
    """An ISO time with offset (as `plain` writes it) as the page shows it."""
    return "—" if not value else str(value)[:19].replace("T", " ")


def _heat(score: Any) -> str:
    if score is None:
        return "h0"
    for band, floor in (("h5", 0.99), ("h4", 0.95), ("h3", 0.90), ("h2", 0.80)):
        if score >= floor:
            return band
    return "h1"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(number=_number, percent=_percent, score=score_text, change=_change, when=_when, heat=_heat)
    return env


def _inline_json(value: Any) -> Markup:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("</", "<\\/"))


def _scripts() -> Markup:
    parts = []
    for relative in VEGA_SCRIPTS:
        text = (VENDOR_DIR / relative).read_text(encoding="utf-8")
        parts.append(f"<script>/* {relative} (vendored, see pipelines/quality/vendor_assets.py) */\n{text}\n</script>")
    return Markup("\n".join(parts))


def render_page(
    sections: list[dict[str, Any]],
    document: dict[str, Any],
    json_sha256: str,
) -> str:
    """The page: every section's block rendered with its data, in the registry's order."""
    env = environment()
    blocks = env.get_template("sections.html.j2")
    shared = {"run": document["run"], "provenance": document["provenance"], "labels": template_labels()}
    rendered = []
    for section in sections:
        data = document["sections"][section["key"]]
        html = ""
        if data["status"] == "ok":
            context = blocks.new_context({**shared, "data": data}, shared=False)
            html = Markup("".join(blocks.blocks[section["key"]](context)))
        rendered.append({**section, "data": data, "html": html})
    specs = charts(document["sections"])
    page = env.get_template("page.html.j2")
    return page.render(
        sections=rendered,
        run=document["run"],
        provenance=document["provenance"],
        json_sha256=json_sha256,
        charts={key: _inline_json(spec) for key, spec in sorted(specs.items())},
        font_stack=Markup(FONT_STACK),
        scripts=_scripts() if specs else Markup(""),
    )
