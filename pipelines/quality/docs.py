"""GX Data Docs for every check run, under `<reports>/data_docs/`, rendering fully offline.

Each suite's validation result (totalled over its chunks) is rendered by GX's own page renderer
and view; the page is then rewritten to load the vendored assets (`static/vendor`, see
`vendor_assets.py`) instead of CDNs, GX's S3 logos and outbound links are dropped, and failing
values are the masked values of `dq.failures` (never the raw ones GX would list). Every run gets
its own folder with an index (checks, failures, dimension scores and their trend); the top index
lists the runs. The pages are a report: they read nothing from the internet.
"""

from __future__ import annotations

import copy
import functools
import html
import importlib.util
import json
import re
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.quality.declarations import DIMENSION_EN, DIMENSIONS
from pipelines.quality.runner import CheckOutcome, RenderedSuite, SuiteOutcome
from pipelines.quality.vendor_assets import ASSETS, VENDOR_DIR
from pipelines.settings import Settings

DOCS_FOLDER = "data_docs"
SAMPLE_SIZE = 20  # failing values shown per check on a page (dq.failures holds all of them)
_GX_STATIC = ("images/favicon.ico",)

_IMG_REMOTE_RE = re.compile(r"<img\b[^>]*?\bsrc=\"https?://[^\"]*\"[^>]*?/?>", re.DOTALL)
_LINK_REMOTE_RE = re.compile(r"<a\b[^>]*?\bhref=\"https?://[^\"]*\"[^>]*>(.*?)</a>", re.DOTALL)
_CSS_URL_REMOTE_RE = re.compile(r"url\(\s*['\"]?https?://[^)]*\)")
_ATTR_REMOTE_RE = re.compile(r"\b(src|href)=\"https?://[^\"]*\"")
_GX_STATIC_RE = re.compile(r"(?:\.\./){2,}static/")  # GX's own site layout: ../../../static/
_GX_INDEX_RE = re.compile(r"(?:\.\./)+index\.html")
_GX_SUITE_RE = re.compile(r"(?:\.\./)+expectations/[^\"]*\.html")
# What the "no remote resource" rule looks for: an attribute, CSS url() or @import that loads http.
REMOTE_REFERENCE_RE = re.compile(
    r"\b(?:src|href)\s*=\s*[\"']?\s*https?:|url\(\s*[\"']?\s*https?:|@import\s+[\"']?https?:",
    re.IGNORECASE,
)


def offline_html(page: str, static: str = "static") -> str:
    """Point a GX page at the vendored assets and drop everything remote.

    `static` is the relative path from the page to the `static/` folder.
    """
    page = _GX_STATIC_RE.sub(f"{static}/gx/", page)
    for asset in ASSETS:
        for pattern in asset.urls:
            page = re.sub(pattern, f"{static}/vendor/{asset.target}", page)
    page = _IMG_REMOTE_RE.sub('<span class="navbar-text font-weight-bold">govdata 数据质量</span>', page)
    page = _LINK_REMOTE_RE.sub(r"\1", page)
    page = _CSS_URL_REMOTE_RE.sub("none", page)
    page = _ATTR_REMOTE_RE.sub(r'\1="#"', page)
    page = _GX_SUITE_RE.sub("#", page)
    return _GX_INDEX_RE.sub("index.html", page)


def install_static(docs_root: Path) -> Path:
    """Copy the vendored assets (and GX's favicon) next to the pages, once per docs folder."""
    target = docs_root / "static"
    vendor = target / "vendor"
    if not (vendor / "LICENSES.txt").exists():
        shutil.copytree(VENDOR_DIR, vendor, dirs_exist_ok=True)
    # located without importing GX (seconds, and nothing else here needs it)
    spec = importlib.util.find_spec("great_expectations")
    assert spec is not None and spec.submodule_search_locations, "great_expectations is not installed"
    gx_static = Path(list(spec.submodule_search_locations)[0]) / "render" / "view" / "static"
    for relative in _GX_STATIC:
        destination = target / "gx" / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(gx_static / relative, destination)
    return target


def _masked_sample(outcome: CheckOutcome, as_of: Any) -> list[str]:
    from pipelines.quality.store import failure_rows

    if not outcome.failures:
        return []
    head = copy.copy(outcome)
    head.failures = [outcome.failures[0].head(SAMPLE_SIZE)]
    frame = failure_rows("", as_of, head, datetime.now())
    return [str(v) for v in frame["value"].tolist()]


def _clean_result(result: dict[str, Any], outcome: CheckOutcome, sample: list[str]) -> dict[str, Any]:
    """A result dict with totals over all chunks and masked values only."""
    kept = {k: v for k, v in result.items() if not k.startswith(("unexpected_list", "unexpected_index", "partial_unexpected"))}
    missing = max(outcome.elements - outcome.evaluated, 0)
    kept.update(
        element_count=outcome.elements,
        unexpected_count=outcome.unexpected,
        unexpected_percent=100.0 * outcome.ratio,
        partial_unexpected_list=sample,
        partial_unexpected_counts=[{"value": v, "count": c} for v, c in Counter(sample).most_common()],
    )
    if "missing_count" in result:
        kept.update(
            missing_count=missing,
            missing_percent=100.0 * missing / outcome.elements if outcome.elements else 0.0,
            unexpected_percent_total=100.0 * outcome.unexpected / outcome.elements if outcome.elements else 0.0,
            unexpected_percent_nonmissing=100.0 * outcome.ratio,
        )
    return kept


def totalled_result(suite_outcome: SuiteOutcome, as_of: Any) -> Any | None:
    """The suite's validation result over all its chunks, with masked failing values."""
    if not suite_outcome.validation_results:
        return None
    total = copy.deepcopy(suite_outcome.validation_results[0])
    by_id = {o.check.check_id: o for o in suite_outcome.checks}
    for result in total.results:
        outcome = by_id[result.expectation_config.meta["check_id"]]
        result.result = _clean_result(result.result or {}, outcome, _masked_sample(outcome, as_of))
        result.success = outcome.success
    successes = sum(1 for r in total.results if r.success)
    total.success = successes == len(total.results)
    total.statistics.update(
        evaluated_expectations=len(total.results),
        successful_expectations=successes,
        unsuccessful_expectations=len(total.results) - successes,
        success_percent=100.0 * successes / len(total.results) if total.results else 100.0,
    )
    return total


@functools.cache
def _page_view() -> Any:
    """One GX page view per process: each view holds its own Jinja environment, whose compiled
    templates a new view would compile again (measured: most of the rendering time)."""
    from great_expectations.render.view import DefaultJinjaPageView

    return DefaultJinjaPageView()


def render_page(validation_result: Any) -> str:
    """GX's validation-results page for one suite, made offline."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    document = ValidationResultsPageRenderer().render(validation_result)
    return offline_html(_page_view().render(document), static="../static")


_PAGE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="stylesheet" href="{static}/vendor/bootstrap/bootstrap.min.css">
<link rel="stylesheet" href="{static}/vendor/fontawesome/css/all.min.css">
</head>
<body><div class="container-fluid py-3">
<h1 class="h3">{title}</h1>
{body}
</div>
<script src="{static}/vendor/jquery/jquery.min.js"></script>
<script src="{static}/vendor/bootstrap/bootstrap.min.js"></script>
</body></html>
"""


def _table(frame: pd.DataFrame, links: dict[str, str] | None = None) -> str:
    if frame.empty:
        return '<p class="text-muted">—</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                text = "—"  # no value (a dimension without checks): never "nan"
            elif isinstance(value, float):
                text = f"{value:.4f}"
            else:
                text = str(value)
            shown = html.escape(text)
            if links and column == "suite" and text in links:
                shown = f'<a href="{links[text]}">{shown}</a>'
            cells.append(f"<td>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="table table-sm table-striped table-bordered"><thead><tr>'
        + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _suite_rows(outcomes: list[SuiteOutcome]) -> pd.DataFrame:
    rows = []
    for suite_outcome in outcomes:
        checks = suite_outcome.checks
        rows.append(
            {
                "suite": suite_outcome.suite.name,
                "table": suite_outcome.suite.table,
                "rows": suite_outcome.rows,
                "checks": len(checks),
                "failed (error)": sum(1 for c in checks if not c.success and c.check.rule.severity == "error"),
                "failed (warn)": sum(1 for c in checks if not c.success and c.check.rule.severity == "warn"),
                "failing records": sum(c.unexpected for c in checks),
                "seconds": round(suite_outcome.seconds, 2),
            }
        )
    return pd.DataFrame(rows)


def score_text(score: float | None) -> str:
    """A dimension score as the Data Docs and the auditors' report show it: a percentage with one
    decimal, or `—` when nothing of the dimension was evaluated (no checks: no score, not 0)."""
    if score is None or (isinstance(score, float) and pd.isna(score)):
        return "—"
    return f"{100 * score:.1f}%"


def _scores_pivot(scores: pd.DataFrame) -> pd.DataFrame:
    """Scope x dimension, every GB/T 36344 dimension a column (in the standard's order), each cell
    the share of evaluated elements passing, pooled over the scope's checks."""
    if scores.empty:
        return scores
    totals = scores.groupby(["scope", "scope_name", "dimension"], as_index=False)[
        ["elements_passing", "elements_evaluated"]
    ].sum()
    totals["score"] = [
        p / e if e else None for p, e in zip(totals["elements_passing"], totals["elements_evaluated"], strict=True)
    ]
    pivot = totals.pivot(index=["scope", "scope_name"], columns="dimension", values="score")
    pivot = pivot.reindex(columns=list(DIMENSIONS))
    table = pivot.apply(lambda column: column.map(score_text)).rename(columns={d: f"{d} {DIMENSION_EN[d]}" for d in DIMENSIONS})
    return table.reset_index()


def _trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    """The trend with its scores shown as the scores table shows them."""
    if trend.empty:
        return trend
    shown = trend.copy()
    for dimension in DIMENSIONS:
        if dimension in shown.columns:
            shown[dimension] = shown[dimension].map(score_text)
    return shown.rename(columns={d: f"{d} {DIMENSION_EN[d]}" for d in DIMENSIONS})


def build_run_docs(
    settings: Settings,
    run_id: str,
    stage: str,
    outcomes: list[SuiteOutcome],
    scores: pd.DataFrame,
    trend: pd.DataFrame,
    gates: dict[str, bool] | None = None,
) -> Path:
    """Write one run's Data Docs (a page per suite and the run's index); returns the index."""
    if any(o.rendered is None and o.validation_results for o in outcomes):
        # GX renders a result through its expectation's class: the custom ones must be
        # registered in this process too (importing GX costs seconds: only when needed)
        import pipelines.quality.custom  # noqa: F401

    root = settings.reports_path / DOCS_FOLDER
    install_static(root)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    folder = root / f"{stamp}_{stage}_{run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    links: dict[str, str] = {}
    for suite_outcome in outcomes:
        rendered = suite_outcome.rendered or render_suite(suite_outcome, settings.as_of)
        if rendered is None:
            continue
        page = f"{suite_outcome.suite.name}.html"
        (folder / page).write_text(rendered.page, encoding="utf-8")
        links[suite_outcome.suite.name] = page
        document = folder / "suites" / f"{suite_outcome.suite.name}.json"
        document.parent.mkdir(parents=True, exist_ok=True)
        document.write_text(rendered.document, encoding="utf-8")
    body = [
        f"<p>运行 run <code>{html.escape(run_id)}</code> · {html.escape(stage)} · 数据截止日期 as-of "
        f"{settings.as_of.isoformat()} · <a href=\"../index.html\">所有运行 all runs</a></p>",
    ]
    if gates is not None:
        gate_frame = pd.DataFrame(
            [{"library": k, "gate": "open 通过" if v else "closed 未通过"} for k, v in sorted(gates.items())]
        )
        body += ["<h2 class=\"h5\">发布闸门 Publication gates</h2>", _table(gate_frame)]
    body += [
        "<h2 class=\"h5\">维度得分 Dimension scores (GB/T 36344): Σ(elements evaluated − unexpected) / Σ elements "
        "evaluated over the current data; — means no check of that dimension</h2>",
        _table(_scores_pivot(scores)),
        "<h2 class=\"h5\">套件 Suites</h2>",
        "<p>每个套件的定义与结果 JSON: <code>suites/&lt;suite&gt;.json</code></p>",
        _table(_suite_rows(outcomes), links),
        "<h2 class=\"h5\">趋势 Trend (recent runs)</h2>",
        _table(_trend_table(trend)),
    ]
    index = folder / "index.html"
    title = f"数据质量检查 Data quality · {stage}"
    index.write_text(_PAGE.format(title=title, static="../static", body="\n".join(body)), encoding="utf-8")
    write_top_index(root)
    return index


def render_suite(suite_outcome: SuiteOutcome, as_of: Any) -> RenderedSuite | None:
    """A suite's Data Docs page and JSON document (None when it validated no rows). Called where
    the suite was validated, so worker processes render side by side."""
    result = totalled_result(suite_outcome, as_of)
    if result is None:
        return None
    return RenderedSuite(page=render_page(result), document=suite_json(suite_outcome, result))


def suite_json(suite_outcome: SuiteOutcome, result: Any) -> str:
    """The suite exactly as GX ran it (every expectation's type, arguments and meta) and its
    totals, as JSON: what an auditor needs to reproduce the run."""
    suite = suite_outcome.suite
    document = {
        "suite": suite.name,
        "table": suite.table,
        "scope": suite.scope,
        "query": " ".join(suite.query.split()),
        "rows": suite_outcome.rows,
        "expectations": [
            {**r.expectation_config.to_json_dict(), "result": {
                k: v for k, v in (r.result or {}).items() if not k.startswith("partial_unexpected")
            }, "success": r.success}
            for r in result.results
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=str)


def write_top_index(root: Path) -> Path:
    """The docs home: every run's folder, newest first."""
    runs = sorted((p for p in root.iterdir() if p.is_dir() and (p / "index.html").exists()), reverse=True)
    items = "".join(f'<li><a href="{p.name}/index.html">{html.escape(p.name)}</a></li>' for p in runs)
    body = f"<ul>{items}</ul>" if items else '<p class="text-muted">—</p>'
    index = root / "index.html"
    index.write_text(_PAGE.format(title="数据质量 Data Docs", static="static", body=body), encoding="utf-8")
    return index


def remote_references(folder: Path) -> list[str]:
    """Pages and stylesheets under `folder` that would load something over http(s)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".html", ".css"} and REMOTE_REFERENCE_RE.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(folder)))
    return found
