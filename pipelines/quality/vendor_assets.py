"""The web assets GX Data Docs pages load, vendored so that the pages render fully offline.

GX 1.24's page templates load Bootstrap, jQuery, popper, font-awesome, bootstrap-table,
bootstrap-datepicker, bootstrap-dark, Vega, Vega-Lite and vega-embed from CDNs (and logos from
S3). A county's machines may have no internet, so the minified files of exactly those versions
(for `vega@5`, `vega-lite@5` and `vega-embed@6` the latest of each major version when vendored)
are committed under `static/vendor/`, and `docs.py` rewrites each CDN link to them.

`ASSETS` is the one list of what is vendored: which CDN URL a file replaces, where it lives and
which npm package it came from. This module is also the (development-time) tool that refreshes
the files: `python -m pipelines.quality.vendor_assets` fetches the packages with `npm pack` and
copies the listed files. Nothing downloads at run time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")
VENDOR_DIR = STATIC_DIR / "vendor"


@dataclass(frozen=True)
class Asset:
    """One vendored file: the CDN URLs it replaces and the npm file it is copied from."""

    package: str  # npm name@version
    license: str
    source: str  # path inside the npm package
    target: str  # path under static/vendor/
    urls: tuple[str, ...]  # CDN URLs (regular expressions) the templates use for it


ASSETS: tuple[Asset, ...] = (
    Asset("bootstrap@4.3.1", "MIT", "dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css",
          (r"https://maxcdn\.bootstrapcdn\.com/bootstrap/4\.3\.1/css/bootstrap\.min\.css",)),
    Asset("bootstrap@4.3.1", "MIT", "dist/js/bootstrap.min.js", "bootstrap/bootstrap.min.js",
          (r"https://stackpath\.bootstrapcdn\.com/bootstrap/4\.3\.1/js/bootstrap\.min\.js",)),
    Asset("bootstrap-table@1.19.1", "MIT", "dist/bootstrap-table.min.css",
          "bootstrap-table/bootstrap-table.min.css",
          (r"https://unpkg\.com/bootstrap-table@1\.19\.1/dist/bootstrap-table\.min\.css",)),
    Asset("bootstrap-table@1.19.1", "MIT", "dist/bootstrap-table.min.js",
          "bootstrap-table/bootstrap-table.min.js",
          (r"https://unpkg\.com/bootstrap-table@1\.19\.1/dist/bootstrap-table\.min\.js",)),
    Asset("bootstrap-table@1.19.1", "MIT",
          "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
          "bootstrap-table/bootstrap-table-filter-control.min.css",
          (r"https://unpkg\.com/bootstrap-table@1\.19\.[01]/dist/extensions/filter-control/"
           r"bootstrap-table-filter-control(?:\.min)?\.css",)),
    Asset("bootstrap-table@1.19.1", "MIT",
          "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
          "bootstrap-table/bootstrap-table-filter-control.min.js",
          (r"https://unpkg\.com/bootstrap-table@1\.19\.[01]/dist/extensions/filter-control/"
           r"bootstrap-table-filter-control\.min\.js",)),
    Asset("bootstrap-datepicker@1.9.0", "Apache-2.0", "dist/css/bootstrap-datepicker.min.css",
          "bootstrap-datepicker/bootstrap-datepicker.min.css",
          (r"https://cdnjs\.cloudflare\.com/ajax/libs/bootstrap-datepicker/1\.9\.0/css/"
           r"bootstrap-datepicker\.min\.css",)),
    Asset("bootstrap-datepicker@1.9.0", "Apache-2.0", "dist/js/bootstrap-datepicker.min.js",
          "bootstrap-datepicker/bootstrap-datepicker.min.js",
          (r"https://cdnjs\.cloudflare\.com/ajax/libs/bootstrap-datepicker/1\.9\.0/js/"
           r"bootstrap-datepicker\.min\.js",)),
    Asset("@forevolve/bootstrap-dark@1.1.0", "MIT", "dist/css/bootstrap-prefers-dark.min.css",
          "bootstrap-dark/bootstrap-prefers-dark.min.css",
          (r"https://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark@1\.1\.0/dist/css/"
           r"bootstrap-prefers-dark(?:\.min)?\.css",)),
    Asset("@fortawesome/fontawesome-free@6.6.0", "CC-BY-4.0 (icons), OFL-1.1 (fonts), MIT (code)",
          "css/all.min.css", "fontawesome/css/all.min.css",
          (r"https://cdnjs\.cloudflare\.com/ajax/libs/font-awesome/6\.6\.0/css/all\.min\.css",)),
    *(
        Asset("@fortawesome/fontawesome-free@6.6.0", "OFL-1.1", f"webfonts/{font}.woff2",
              f"fontawesome/webfonts/{font}.woff2", ())
        for font in ("fa-brands-400", "fa-regular-400", "fa-solid-900", "fa-v4compatibility")
    ),
    Asset("jquery@3.7.1", "MIT", "dist/jquery.min.js", "jquery/jquery.min.js",
          (r"https://code\.jquery\.com/jquery-3\.7\.1\.min\.js",)),
    Asset("popper.js@1.12.9", "MIT", "dist/umd/popper.min.js", "popper/popper.min.js",
          (r"https://cdnjs\.cloudflare\.com/ajax/libs/popper\.js/1\.12\.9/umd/popper\.min\.js",)),
    Asset("vega@5.33.1", "BSD-3-Clause", "build/vega.min.js", "vega/vega.min.js",
          (r"https://cdn\.jsdelivr\.net/npm/vega@5(?![\w.-])",)),
    Asset("vega-lite@5.23.0", "BSD-3-Clause", "build/vega-lite.min.js", "vega/vega-lite.min.js",
          (r"https://cdn\.jsdelivr\.net/npm/vega-lite@5(?![\w.-])",)),
    Asset("vega-embed@6.29.0", "BSD-3-Clause", "build/vega-embed.min.js", "vega/vega-embed.min.js",
          (r"https://cdn\.jsdelivr\.net/npm/vega-embed@6(?![\w.-])",)),
)

# Comments pointing browsers' developer tools at source maps we do not ship.
_SOURCE_MAP_RE = re.compile(r"\n?/[/*][#@] sourceMappingURL=[^\n]*?(?:\*/)?(?=\n|$)")
# font-awesome lists a .ttf fallback after each .woff2; only the .woff2 files are vendored.
_TTF_SRC_RE = re.compile(r',\s*url\([^)]*\.ttf\)\s*format\("truetype"\)')


def clean(text: str) -> str:
    """Drop source-map comments and references to files that are not vendored."""
    return _TTF_SRC_RE.sub("", _SOURCE_MAP_RE.sub("", text))


def _npm_pack(package: str, into: Path) -> Path:
    """Fetch one npm package tarball (development tool only) and unpack it."""
    out = subprocess.run(
        ["npm", "pack", package, "--silent", "--pack-destination", str(into)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    folder = into / package.replace("/", "_").replace("@", "_")
    with tarfile.open(into / out) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def vendor(target: Path = VENDOR_DIR) -> list[Path]:
    """Fetch every package of `ASSETS` with npm and copy the listed files (cleaned) to `target`."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        unpacked: dict[str, Path] = {}
        for asset in ASSETS:
            if asset.package not in unpacked:
                unpacked[asset.package] = _npm_pack(asset.package, Path(tmp))
            source = unpacked[asset.package] / asset.source
            destination = target / asset.target
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.suffix in {".js", ".css"}:
                destination.write_text(clean(source.read_text(encoding="utf-8")), encoding="utf-8")
            else:
                shutil.copyfile(source, destination)
            written.append(destination)
        licenses = sorted({(a.package, a.license) for a in ASSETS})
        lines = ["Vendored for offline GX Data Docs (see pipelines/quality/vendor_assets.py).", ""]
        lines += [f"{package}: {license}" for package, license in licenses]
        (target / "LICENSES.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    for path in vendor():
        print(path.relative_to(STATIC_DIR))
