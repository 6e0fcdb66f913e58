"""Golden-record accuracy against the generator's truth (tests only: pipeline code never reads
the truth).

Each golden entity is paired with the true entity most of its records belong to (the truth's
`person_records` / `org_records` name the true entity of every record); each golden attribute
value is then compared with the true value. Accuracy is over the golden values the libraries
give (a value no source delivered cannot be right or wrong: a government office known only as a
licence issuer has no address in any source); coverage says how many true values got a golden
value at all. Used by the library tests at tiny scale and by hand at small scale
(`python -m tests.libraries.accuracy WAREHOUSE TRUTH`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import CountyProfile, get_settings

PERSON_ATTRIBUTES = ("name", "id_number", "gender", "birth_date", "address", "phone")
ORG_ATTRIBUTES = ("name", "uscc", "legal_rep", "address")


@dataclass(frozen=True)
class Accuracy:
    """Counts and per-attribute accuracy of one kind of golden record."""

    golden: int  # golden rows
    truth_in_records: int  # true entities that appear in at least one record
    truth_total: int  # true entities the generator made
    matched: int  # golden rows paired with a true entity
    attributes: dict[str, float] = field(default_factory=dict)  # right share of golden values
    coverage: dict[str, float] = field(default_factory=dict)  # true values with a golden value
    values: int = 0  # golden values compared, all attributes
    right: int = 0  # ... of which equal to the truth

    @property
    def count_error(self) -> float:
        """Relative difference of the golden count from the entities the sources hold."""
        return abs(self.golden - self.truth_in_records) / self.truth_in_records

    @property
    def overall(self) -> float:
        """Share of all golden attribute values that equal the truth."""
        return self.right / self.values if self.values else 0.0


def address_key(expr: pl.Expr, county: CountyProfile) -> pl.Expr:
    """An address without whitespace and without the province/city/county prefix."""
    names = {county.name, *(h.name for h in county.historic_codes if getattr(h, "name", None))}
    prefix = f"^({county.province})?({county.city})?({'|'.join(sorted(names))})?"
    return expr.str.replace_all(r"[\s\u3000]", "").str.replace(prefix, "")


def _pair(xref: pl.DataFrame, truth_records: pl.DataFrame, id_col: str) -> pl.DataFrame:
    """golden id -> the true id most of its records belong to."""
    return (
        xref.join(truth_records.rename({id_col: "true_id"}), on=["source", "record_id"])
        .group_by(id_col, "true_id")
        .len()
        .sort([id_col, "len", "true_id"], descending=[False, True, False])
        .unique(id_col, keep="first")
        .select(id_col, "true_id")
    )


def _compare(frame: pl.DataFrame, attributes: tuple[str, ...], **counts: int) -> Accuracy:
    """Accuracy of the golden values present, coverage of the true values present."""
    accuracy, coverage, values, right = {}, {}, 0, 0
    for attribute in attributes:
        golden, true = pl.col(attribute), pl.col(f"{attribute}_true")
        n, ok, known, covered = frame.select(
            golden.is_not_null().sum().alias("n"),
            (golden.is_not_null() & golden.eq_missing(true)).sum().alias("ok"),
            true.is_not_null().sum().alias("known"),
            (true.is_not_null() & golden.is_not_null()).sum().alias("covered"),
        ).row(0)
        accuracy[attribute] = ok / n if n else 0.0
        coverage[attribute] = covered / known if known else 1.0
        values, right = values + n, right + ok
    return Accuracy(matched=frame.height, attributes=accuracy, coverage=coverage, values=values,
                    right=right, **counts)


def person_accuracy(con: duckdb.DuckDBPyConnection, truth: Path, county: CountyProfile) -> Accuracy:
    golden = con.sql(
        "select person_id, name, id_number, gender, birth_date, address, phone from lib_population.person"
    ).pl()
    xref = con.sql("select source, record_id, person_id from er.person_xref").pl()
    truth_records = pl.read_parquet(truth / "person_records.parquet")
    persons = pl.read_parquet(truth / "persons.parquet").select(
        pl.col("person_id").alias("true_id"),
        pl.col("name").alias("name_true"),
        pl.col("id_number").alias("id_number_true"),
        pl.col("gender").cast(pl.String).alias("gender_true"),
        pl.col("birth_date").alias("birth_date_true"),
        address_key(pl.col("address"), county).alias("address_true"),
        pl.col("phone").alias("phone_true"),
    )
    paired = (
        golden.join(_pair(xref, truth_records, "person_id"), on="person_id")
        .join(persons, on="true_id")
        .with_columns(address_key(pl.col("address"), county).alias("address"))
    )
    return _compare(paired, PERSON_ATTRIBUTES, golden=golden.height,
                    truth_in_records=truth_records["person_id"].n_unique(), truth_total=persons.height)


def org_accuracy(con: duckdb.DuckDBPyConnection, truth: Path, county: CountyProfile) -> Accuracy:
    golden = con.sql(
        "select org_id, name, uscc, legal_rep_person_id, address from lib_legal_entity.organization"
    ).pl()
    xref = con.sql("select source, record_id, org_id from er.org_xref").pl()
    person_pairs = _pair(
        con.sql("select source, record_id, person_id from er.person_xref").pl(),
        pl.read_parquet(truth / "person_records.parquet"),
        "person_id",
    ).rename({"person_id": "legal_rep_person_id", "true_id": "legal_rep"})
    truth_records = pl.read_parquet(truth / "org_records.parquet")
    orgs = pl.read_parquet(truth / "orgs.parquet").select(
        pl.col("org_id").alias("true_id"),
        pl.col("name").alias("name_true"),
        pl.col("uscc").alias("uscc_true"),
        pl.col("legal_rep_id").alias("legal_rep_true"),
        address_key(pl.col("address"), county).alias("address_true"),
    )
    paired = (
        golden.join(_pair(xref, truth_records, "org_id"), on="org_id")
        .join(orgs, on="true_id")
        .join(person_pairs, on="legal_rep_person_id", how="left")
        .with_columns(address_key(pl.col("address"), county).alias("address"))
    )
    return _compare(paired, ORG_ATTRIBUTES, golden=golden.height,
                    truth_in_records=truth_records["org_id"].n_unique(), truth_total=orgs.height)


def household_counts(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[int, int]:
    """(golden households, true households)."""
    golden = con.sql("select count(*) from lib_population.household").fetchone()
    return int(golden[0]) if golden else 0, pl.read_parquet(truth / "households.parquet").height


def main(warehouse: str, truth: str) -> None:
    county = get_settings().county
    with duckdb.connect(warehouse, read_only=True) as con:
        for label, acc in (("persons", person_accuracy(con, Path(truth), county)),
                           ("organisations", org_accuracy(con, Path(truth), county))):
            print(f"{label}: golden {acc.golden}, truth in records {acc.truth_in_records}, "
                  f"truth total {acc.truth_total}, matched {acc.matched}, "
                  f"count error {acc.count_error:.2%}, overall {acc.overall:.2%}")
            for attribute, share in acc.attributes.items():
                print(f"  {attribute:10s} accuracy {share:.2%}  coverage {acc.coverage[attribute]:.2%}")
        golden, true = household_counts(con, Path(truth))
        print(f"households: golden {golden}, truth {true}, error {abs(golden - true) / true:.2%}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
