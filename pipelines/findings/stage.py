"""The findings stage: every rule over the checked libraries, written to `dq.findings` and
`dq.finding_evidence` under the chain's run id, with each finding's status carried from run to run.

Status: `new` the first run a finding is seen, `open` while it stays, `closed` (one row, in the run
that no longer sees it) when the contradiction is gone. A finding seen again after it was closed
is `open` again with its first run kept. Only rules that ran close findings: a rule skipped for
a missing table leaves its findings as they were.
"""

from __future__ import annotations

import re
import time
from typing import Any

import polars as pl

from pipelines.findings.dispositions import apply_folder
from pipelines.findings.ids import finding_id_expr
from pipelines.findings.rule import EVIDENCE_COLUMNS, FINDING_COLUMNS, Detection, Rule, RuleContext, conform
from pipelines.findings.rules import RULES
from pipelines.findings.store import ensure_tables, previous_state, write_outcomes
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage

# Anything that looks like a citizen identity number or a mobile number left in a text is masked
# (summaries and details are written without personal values; this is the safety net).
_ID_OR_PHONE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![0-9A-Za-z])")


def _scrub(text: str | None) -> str | None:
    if text is None:
        return None
    from pipelines.standards.masking import mask

    def masked(match: re.Match[str]) -> str:
        value = match.group(1)
        kind = "phone" if len(value) == 11 else "id_number"
        return str(mask(value, "sensitive", kind))

    return _ID_OR_PHONE.sub(masked, text)


# Every match of _ID_OR_PHONE holds 11 decimal digits in a row (a mobile; IDs have 15 or 18):
# texts without such a run are left as they are without a Python call each.
_DIGIT_RUN = r"\d{11}"


def scrub_texts(texts: pl.Series) -> pl.Series:
    """`_scrub` over a column: only the texts that can hold an ID or a mobile (a run of 11 digits,
    found for the whole column at once) go through the Python regex."""
    suspect = texts.str.contains(_DIGIT_RUN).fill_null(False)
    if not suspect.any():
        return texts
    at = suspect.arg_true()
    scrubbed = pl.Series([_scrub(t) for t in texts.gather(at).to_list()], dtype=pl.String)
    return texts.clone().scatter(at, scrubbed)


def detect_all(ctx: RuleContext, rules: tuple[Rule, ...] = RULES) -> tuple[dict[str, Detection], dict[str, str]]:
    """Each rule's detection (rules whose tables are missing are skipped, with the reason)."""
    detections: dict[str, Detection] = {}
    skipped: dict[str, str] = {}
    for rule in rules:
        missing = ctx.has(*rule.requires)
        if missing:
            skipped[rule.code] = "missing " + ", ".join(missing)
            continue
        detections[rule.code] = rule.detect(rule, ctx)
    return detections, skipped


def _frames(run_id: str, as_of: Any, detections: dict[str, Detection], rules: dict[str, Rule]
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    findings, evidence = [], []
    for code, detection in detections.items():
        rule = rules[code]
        f = conform(detection.findings, FINDING_COLUMNS).unique("finding_key", keep="first", maintain_order=True)
        e = conform(detection.evidence, EVIDENCE_COLUMNS).unique(maintain_order=True)
        f = f.with_columns(finding_id=finding_id_expr(code))
        findings.append(f.select(
            run_id=pl.lit(run_id), as_of=pl.lit(as_of), finding_id="finding_id", rule=pl.lit(code),
            rule_title=pl.lit(rule.title), dimension=pl.lit(rule.dimension), severity=pl.lit(rule.severity),
            entity_kind="entity_kind", entity_id="entity_id",
            summary=pl.col("summary").map_batches(scrub_texts, return_dtype=pl.String),
            amount="amount", measured="measured",
        ))
        evidence.append(e.join(f.select("finding_key", "finding_id"), on="finding_key", how="inner",
                               maintain_order="left").select(
            run_id=pl.lit(run_id), finding_id="finding_id", role="role", source="source", record_id="record_id",
            source_file="source_file", line="line",
            detail=pl.col("detail").map_batches(scrub_texts, return_dtype=pl.String),
        ))
    empty_f = pl.DataFrame(schema={"run_id": pl.String, "as_of": pl.Date, "finding_id": pl.String, "rule": pl.String,
                                   "rule_title": pl.String, "dimension": pl.String, "severity": pl.String,
                                   "entity_kind": pl.String, "entity_id": pl.String, "summary": pl.String,
                                   "amount": pl.Float64, "measured": pl.String})
    empty_e = pl.DataFrame(schema={"run_id": pl.String, "finding_id": pl.String, **{
        k: v for k, v in EVIDENCE_COLUMNS.items() if k != "finding_key"}})
    return (pl.concat([empty_f, *findings], how="vertical_relaxed"),
            pl.concat([empty_e, *evidence], how="vertical_relaxed"))


def write_run(con: Any, run_id: str, as_of: Any, detections: dict[str, Detection]) -> dict[str, int]:
    """Replace this run's findings and evidence (one transaction), statuses carried over."""
    rules = {r.code: r for r in RULES}
    findings, evidence = _frames(run_id, as_of, detections, rules)
    con.execute("begin transaction")
    try:
        con.execute("delete from dq.findings where run_id = ?", [run_id])
        con.execute("delete from dq.finding_evidence where run_id = ?", [run_id])
        previous = previous_state(con, run_id).pl()
        current = findings.join(previous, on="finding_id", how="left").with_columns(
            status=pl.when(pl.col("last_status").is_null()).then(pl.lit("new")).otherwise(pl.lit("open")),
            first_seen_run=pl.coalesce("first_seen_run", pl.lit(run_id)),
        ).drop("last_status")
        con.register("_findings_now", current)
        con.register("_evidence_now", evidence)
        con.execute("""insert into dq.findings
            select run_id, as_of, finding_id, rule, rule_title, dimension, severity, entity_kind, entity_id,
                   summary, amount, measured, status, first_seen_run from _findings_now
            order by rule, finding_id""")
        con.execute("""insert into dq.finding_evidence
            select run_id, finding_id, role, source, record_id, source_file, line, detail from _evidence_now""")
        ran = list(detections)
        closed = 0
        if ran:
            marks = ", ".join("?" for _ in ran)
            closed = con.execute(f"""
                insert into dq.findings
                select ?, ?, f.finding_id, f.rule, f.rule_title, f.dimension, f.severity, f.entity_kind,
                       f.entity_id, f.summary, f.amount, f.measured, 'closed', f.first_seen_run
                from dq.findings f
                where f.run_id <> ? and f.rule in ({marks})
                  and f.finding_id not in (select finding_id from _findings_now)
                qualify row_number() over (partition by f.finding_id order by f.run_id desc) = 1
                    and f.status <> 'closed'
            """, [run_id, as_of, run_id, *ran]).fetchone()[0]
        write_outcomes(con, run_id, [(r.code, r.title) for r in RULES])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("_findings_now", "_evidence_now"):
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - already gone
                pass
    counts = current.group_by("status").len()
    by_status = dict(zip(counts["status"].to_list(), counts["len"].to_list(), strict=True))
    return {"findings": current.height, "new": by_status.get("new", 0), "open": by_status.get("open", 0),
            "closed": int(closed or 0), "evidence_rows": evidence.height}


def run_findings(settings: Settings) -> dict[str, Any]:
    """The stage: apply new dispositions files, run every rule, write this run's findings.

    Called by `govdata findings` and the `govdata_findings` DAG. Reads staging, er and the
    libraries; writes only to `dq`.
    """
    with record_stage("findings", settings) as run:
        run_id = run.chain_run_id
        with connect(settings) as con:
            ensure_tables(con)
            files = apply_folder(con, settings.dispositions_path)
            clock = time.perf_counter()
            detections, skipped = detect_all(RuleContext.from_settings(con, settings))
            seconds = round(time.perf_counter() - clock, 2)
            counts = write_run(con, run_id, settings.as_of, detections)
        per_rule = {code: d.findings.height for code, d in detections.items()}
        run.rows_out = counts["findings"]
        run.message = (f"{counts['findings']} findings ({counts['new']} new, {counts['closed']} closed), "
                       f"{counts['evidence_rows']} evidence rows; dispositions files applied {files['files_applied']}, "
                       f"rejected {len(files['files_rejected'])}"
                       + (f"; skipped {', '.join(skipped)}" if skipped else ""))
        summary: dict[str, Any] = {"run_id": run_id, **counts, "rules_seconds": seconds}
        summary |= {f"rule {code}": n for code, n in per_rule.items()}
        summary |= {f"skipped {code}": why for code, why in skipped.items()}
        summary["dispositions files applied"] = files["files_applied"]
        summary["dispositions recorded"] = files["dispositions"]
        for reason in files["files_rejected"]:  # type: ignore[union-attr]
            summary.setdefault("dispositions files rejected", [])
            summary["dispositions files rejected"].append(reason)
        return summary
