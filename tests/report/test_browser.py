"""The report of a `tiny` run in a real browser: Debian's headless Chromium driven by Playwright
(no browser download), the network blocked. No console error, no failed request, every section
present, Chinese rendered as glyphs (not boxes), every chart drawn, and --pdf prints.

`make test` installs chromium and fonts-noto-cjk when they are missing (as root); where they
cannot be had these tests skip and say why.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.report import SECTIONS
from pipelines.settings import Settings, load_settings
from _env import exported, govdata_env

CHROMIUM = "/usr/bin/chromium"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -c constraints.txt -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium; `make test` does it as root)"
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        return "no CJK font is installed (Debian: apt-get install fonts-noto-cjk; `make test` does it as root)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory,
                generated_county: Callable[[Settings], None]) -> Iterator[dict[str, Any]]:
    """A tiny county generated and run through every stage in this process (one chain run id),
    then its report written."""
    from pipelines.build import run_build
    from pipelines.ingest import ingest
    from pipelines.quality import check_libraries, check_staging
    from pipelines.report import run_report
    from pipelines.resolve.stage import run_resolve
    from pipelines.runs import chain_scope, new_run_id
    from pipelines.stage import run_stage

    base = tmp_path_factory.mktemp("report-tiny")
    with exported(govdata_env(base)):
        settings: Settings = load_settings()
        generated_county(settings)  # what generate(settings) writes
        with chain_scope(new_run_id()) as run_id:
            ingest(settings)
            run_stage(settings)
            check_staging(settings)
            run_resolve(settings)
            run_build(settings)
            check_libraries(settings)
            outputs = run_report(settings)
        yield {"settings": settings, "run_id": run_id, "outputs": outputs, "page": Path(outputs["report"])}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def opened(tiny_report: dict[str, Any], browser: Any) -> Iterator[dict[str, Any]]:
    """The page opened with every request but the page's own file blocked."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    url = tiny_report["page"].resolve().as_uri()

    def only_the_page(route: Any) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            problems.append(f"request: {route.request.url}")
            route.abort()

    page.route("**/*", only_the_page)
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.chart')).every(c => c.getAttribute('data-drawn') === 'true')",
        timeout=30_000,
    )
    yield {"page": page, "problems": problems}
    page.close()


def test_no_console_error_and_no_request_leaves_the_page(opened: dict[str, Any]) -> None:
    assert opened["problems"] == []


def test_every_section_is_present_in_order(opened: dict[str, Any]) -> None:
    headings = opened["page"].eval_on_selector_all("section.report-section > h2", "hs => hs.map(h => h.textContent)")
    assert headings == [f"{i}. {s.heading}" for i, s in enumerate(SECTIONS, start=1)]
    # the systems library is built with the others; the catalog and open data come from publish,
    # which this chain does not run: their sections say so
    assert opened["page"].locator("#systems .notrun").count() == 0
    assert opened["page"].locator("#systems-zombies").count() == 1
    assert opened["page"].locator("#catalog .notrun").count() == 1
    assert opened["page"].locator("#open_data .notrun").count() == 1


def test_chinese_is_drawn_as_glyphs_not_boxes(opened: dict[str, Any]) -> None:
    """The heading's characters, screenshotted, differ from characters no font has (drawn as
    the same empty box, .notdef) and from each other."""
    page = opened["page"]
    page.evaluate(
        """() => {
          const h1 = document.querySelector('h1');
          for (const [id, text] of [['probe-a', '茌'], ['probe-b', '平'], ['probe-box', '\\uE000'], ['probe-box2', '\\uE001']]) {
            const span = document.createElement('span');
            span.id = id; span.textContent = text; span.style.fontSize = '48px';
            h1.appendChild(span);
          }
        }"""
    )
    shot = {name: page.locator(f"#{name}").screenshot() for name in ("probe-a", "probe-b", "probe-box", "probe-box2")}
    assert shot["probe-box"] == shot["probe-box2"]  # the yardstick: missing glyphs all look alike
    assert shot["probe-a"] != shot["probe-box"] and shot["probe-b"] != shot["probe-box"]
    assert shot["probe-a"] != shot["probe-b"]
    heading = page.locator("h1").screenshot()
    assert len(set(heading)) > 50  # the heading itself is not a blank image


def test_every_chart_is_drawn(opened: dict[str, Any]) -> None:
    charts = opened["page"].eval_on_selector_all(
        ".chart", "cs => cs.map(c => [c.id, c.querySelectorAll('svg .mark-rect path, svg .mark-line path, svg .mark-symbol path').length])"
    )
    assert charts, "the summary's dimension chart is always there when checks ran"
    assert all(marks > 0 for _, marks in charts), charts
    # one run so far: the trends section says so instead of drawing a line
    assert "只有一次运行" in opened["page"].locator("#trends").inner_text()


def test_the_reconciliation_sum_equals_the_raw_tables(tiny_report: dict[str, Any], opened: dict[str, Any]) -> None:
    import duckdb

    settings = tiny_report["settings"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name not in ('ingest_ledger', 'quarantine')"
        ).fetchall()
        raw = sum(con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for (t,) in tables)
    page = opened["page"]
    assert page.locator("#reconciliation-raw").inner_text() == f"{raw:,}"
    assert page.locator("#reconciliation-held").inner_text() == f"{raw:,}"


def test_pdf_prints_with_chromium(tiny_report: dict[str, Any]) -> None:
    from pipelines.report._pdf import print_pdf

    target = print_pdf(tiny_report["page"], tiny_report["page"].with_name("report.pdf"))
    assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 10_000


def test_every_link_of_the_page_resolves(tiny_report: dict[str, Any]) -> None:
    """Anchors point at sections on the page; other links (Data Docs pages) at files beside it."""
    import re

    page = tiny_report["page"]
    text = re.sub(r"(?s)<script\b.*?</script>", "", page.read_text(encoding="utf-8"))  # the markup only
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    links = re.findall(r'\bhref="([^"]+)"', text)
    assert any(link.startswith("../data_docs/") for link in links)
    for link in links:
        if link.startswith("#"):
            assert link[1:] in ids, link
        else:
            assert (page.parent / link).resolve().exists(), link
