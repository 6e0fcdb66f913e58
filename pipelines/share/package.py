"""A granted request's package: `data/share/<consumer>/<request id>/` with the granted items only,
as `data.parquet` and `data.csv` (UTF-8 with BOM), personal and sensitive items masked by the
project's one `mask` unless the approval grants them in clear, and `manifest.json` (request,
items, masking per item, row count, SHA-256 per file, source run id).

The data files are a function of the warehouse and the decision: a rerun writes the same bytes
(rows in a fixed order); only the manifest's run id changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.contracts import get_contract
from pipelines.contracts.schema import DeliveryMode
from pipelines.exports import neutralise_formulas
from pipelines.share.decide import Decision
from pipelines.standards.masking import column_mask_kind, mask_expr

DATA_FILES = ("data.parquet", "data.csv")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_dir(share_root: Path, consumer: str, request_id: str) -> Path:
    return share_root / consumer / request_id


def _frame(con: duckdb.DuckDBPyConnection, decision: Decision) -> pl.DataFrame:
    resource = decision.resource
    assert resource is not None
    names = [i.item for i in decision.granted_items]
    columns = [resource.item(n).warehouse_column for n in names]  # type: ignore[union-attr]
    schema, table = resource.table.split(".", 1)
    select = ", ".join(f'"{c}" as "{n}"' for c, n in zip(columns, names, strict=True))
    where = ""
    if schema == "raw" and get_contract(table).delivery_mode is DeliveryMode.SNAPSHOT:
        # a snapshot source's current list is its latest delivery; earlier ones are history
        where = f'where _delivery_date = (select max(_delivery_date) from "{schema}"."{table}")'
    order = ", ".join(f'"{n}" nulls first' for n in names)
    frame = con.execute(f'select {select} from "{schema}"."{table}" {where} order by {order}').pl()
    masked = {i.item for i in decision.granted_items if i.masked}
    exprs = []
    for name in names:
        if name in masked:
            column = resource.item(name).as_column()  # type: ignore[union-attr]
            exprs.append(mask_expr(pl.col(name), column.sensitivity, column_mask_kind(column)).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)


def write_package(con: duckdb.DuckDBPyConnection, decision: Decision, share_root: Path, run_id: str, as_of: Any) -> dict[str, Any]:
    """Write the package of a granted request (replacing an earlier one whole); its manifest."""
    resource, request = decision.resource, decision.request
    assert resource is not None and request is not None and decision.provider is not None
    frame = _frame(con, decision)
    target = package_dir(share_root, request.requester, request.request_id)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    _write(partial / "data.parquet", buffer.getvalue())
    csv_text = neutralise_formulas(frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns)).write_csv()
    _write(partial / "data.csv", b"\xef\xbb\xbf" + csv_text.encode("utf-8"))
    items = []
    for item in decision.items:
        spec = resource.item(item.item)
        assert spec is not None
        entry: dict[str, Any] = {"item": item.item, "name_zh": spec.name_zh, "granted": item.granted,
                                 "sensitivity": spec.sensitivity, "reason": item.reason}
        if item.granted:
            entry["masking"] = ("masked" if item.masked else
                                "clear (granted by the approval)" if spec.sensitivity in ("personal", "sensitive") else "none")
        items.append(entry)
    approval = decision.approval
    manifest = {
        "request_id": request.request_id,
        "request_file": decision.request_file,
        "consumer": request.requester,
        "provider": decision.provider,
        "resource": {"code": resource.code, "name": resource.name, "table": resource.table,
                     "sharing_type": resource.sharing_type},
        "purpose": request.purpose,
        "legal_basis": request.legal_basis,
        "period": {"from": request.period.start.isoformat(), "to": request.period.end.isoformat()},
        "approval": None if approval is None else {
            "file": approval.relative, "approver": approval.model.approver,
            "approved_on": approval.model.approved_on.isoformat(), "condition": approval.model.condition},
        "status": decision.status,
        "items": items,
        "row_count": frame.height,
        "files": {name: sha256(partial / name) for name in DATA_FILES},
        "as_of": str(as_of),
        "source_run_id": run_id,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    _write(partial / "manifest.json", text.encode("utf-8"))
    if target.exists():
        shutil.rmtree(target)
    os.replace(partial, target)
    return {"path": target, "rows": frame.height, "manifest_sha256": sha256(target / "manifest.json"),
            "files": manifest["files"]}


def existing_packages(share_root: Path) -> dict[tuple[str, str], Path]:
    """(consumer, request id) -> folder of every package on disk."""
    if not share_root.is_dir():
        return {}
    return {
        (consumer.name, folder.name): folder
        for consumer in sorted(p for p in share_root.iterdir() if p.is_dir() and not p.name.startswith("."))
        for folder in sorted(p for p in consumer.iterdir() if p.is_dir() and not p.name.startswith("."))
    }
