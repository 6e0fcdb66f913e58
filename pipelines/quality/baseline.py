"""The accepted baseline: the failure rate of every check on a delivery the county accepted.

Thresholds follow it (`GatePolicy`): a check allows `baseline_factor` times its baseline rate, so
the accepted data passes and a delivery twice as bad fails. The committed `expectations/
baseline.yaml` was measured on the sample county (see its header); a county recalibrates on its
own accepted deliveries by running the checks and then

    python -m pipelines.quality.baseline            # from the latest check runs of the warehouse

which rewrites the file from `dq.results`. The measure is a report of rates, not a threshold:
thresholds are computed from it by the one rule in rules.yaml.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import yaml

from pipelines.quality.declarations import expectations_dir, gate_policy
from pipelines.settings import Settings, get_settings
from pipelines.warehouse import connect

HEADER = """\
# Accepted failure rates per check (check id -> share of evaluated elements that failed), measured
# by `python -m pipelines.quality.baseline` on the latest check runs of an accepted delivery.
# Thresholds follow them by the `gate:` rule of rules.yaml; checks not listed had no failures.
"""


def measure(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Failure rates of the latest staging and library runs (current data, failures only)."""
    rows = con.execute(
        """
        with latest as (
            select stage, arg_max(run_id, evaluated_at) as run_id from dq.results group by stage
        )
        select check_id, ratio from dq.results join latest using (stage, run_id)
        where scope <> 'history' and unexpected_count > 0
        order by check_id
        """
    ).fetchall()
    return {check_id: round(float(ratio), 6) for check_id, ratio in rows}


def write(settings: Settings, rates: dict[str, float], note: str) -> Path:
    """Write `expectations/<baseline file>` with a note saying where the rates come from."""
    path = expectations_dir(settings) / gate_policy(settings).baseline_file
    body = yaml.safe_dump({"measured_on": note, "rates": rates}, allow_unicode=True, sort_keys=False, width=120)
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def merged(settings: Settings, rates: dict[str, float], note: str) -> tuple[dict[str, float], str]:
    """The committed rates and `rates` together, the larger per check: every accepted delivery
    (e.g. the sample county at two sizes) stays within the thresholds that follow."""
    path = expectations_dir(settings) / gate_policy(settings).baseline_file
    committed = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    earlier = {str(k): float(v) for k, v in (committed.get("rates") or {}).items()}
    both = {check: max(earlier.get(check, 0.0), rates.get(check, 0.0)) for check in sorted({*earlier, *rates})}
    earlier_note = committed.get("measured_on")
    return both, f"{earlier_note}; {note}" if earlier_note else note


def main() -> None:
    parser = argparse.ArgumentParser(description="Write expectations/baseline.yaml from the latest check runs.")
    parser.add_argument("--note", default="", help="where the accepted delivery comes from")
    parser.add_argument(
        "--merge", action="store_true",
        help="keep, per check, the larger of the committed and the measured rate (several accepted deliveries)",
    )
    args = parser.parse_args()
    settings = get_settings()
    with connect(settings, read_only=True) as con:
        rates = measure(con)
    note = args.note or f"scale {settings.scale.value}, seed {settings.seed}, as of {settings.as_of}"
    if args.merge:
        rates, note = merged(settings, rates, note)
    print(write(settings, rates, note), len(rates), "checks with failures")


if __name__ == "__main__":
    main()
