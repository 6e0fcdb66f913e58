"""The generator is its own subpackage: only `govdata generate` imports it, and no pipeline code
mentions the truth it writes (the pipeline must never be able to peek at the answers)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIPELINE_CODE = ("pipelines", "dags", "dbt_project", "expectations")
TEXT = {".py", ".sql", ".yml", ".yaml", ".toml", ".json", ".md", ".jinja", ".txt"}
# The settings declare where the generator writes its truth (a path setting, never opened there).
DECLARES_TRUTH_PATH = {"pipelines/settings.py", "pipelines/defaults.toml"}
IMPORT = re.compile(r"pipelines\.generator|from pipelines import generator|import_module\(.+generator")


def _files() -> list[Path]:
    out = []
    for top in PIPELINE_CODE:
        base = ROOT / top
        if not base.exists():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and path.suffix in TEXT and not rel.startswith("pipelines/generator/") \
                    and "/target/" not in rel and "__pycache__" not in rel:
                out.append(path)
    return out


def test_no_pipeline_code_imports_the_generator() -> None:
    offenders = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        if IMPORT.search(path.read_text(encoding="utf-8", errors="replace")) and rel != "pipelines/cli.py":
            offenders.append(rel)
    assert offenders == []


def test_the_cli_imports_it_only_inside_generate() -> None:
    tree = ast.parse((ROOT / "pipelines/cli.py").read_text(encoding="utf-8"))
    homes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("pipelines.generator"):
                    homes.append(node.name)
    top_level = [n for n in tree.body if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("pipelines.generator")]
    assert homes == ["generate"] and not top_level


def test_no_pipeline_code_mentions_the_truth() -> None:
    offenders = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if rel not in DECLARES_TRUTH_PATH and ("data/truth" in text or "truth_path" in text):
            offenders.append(rel)
    assert offenders == []
