"""`govdata report --pdf`: the page printed to A4 PDF by headless Chromium, where installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.errors import GovdataError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    """The first Chromium-family browser on PATH (Debian: `apt-get install chromium`)."""
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def print_pdf(page: Path, target: Path, timeout: float = 120) -> Path:
    """Print `page` with its charts drawn (scripts get a virtual-time budget) to `target`.

    Raises:
        GovdataError: no Chromium is installed, or it failed.
    """
    browser = find_browser()
    if browser is None:
        raise GovdataError(
            "--pdf needs headless Chromium, which is not installed here (Debian: apt-get install chromium "
            "fonts-noto-cjk); the HTML report was written and prints from any browser"
        )
    with tempfile.TemporaryDirectory(prefix="govdata-pdf-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=15000",
            f"--print-to-pdf={target}", page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise GovdataError(f"{browser} did not print {page} within {timeout:.0f} s") from None
    if done.returncode != 0 or not target.exists():
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise GovdataError(f"{browser} could not print {page}: {detail[0]}")
    return target
