"""Public security (县公安局): household register snapshots and residence permits."""

from __future__ import annotations

import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._model import Delivery, delivery_dates, stamp

GENDER_ZH = pl.when(pl.col("gender") == 1).then(pl.lit("男")).otherwise(pl.lit("女"))


def household_register(ctx: Context) -> list[Delivery]:
    """A full extract of the register each quarter; the latest is current.

    Each snapshot lists everyone registered by its date; people who died or moved out in the
    year stay listed with their changed status, and couples married after a snapshot still show
    as unmarried in it.
    """
    contract = get_contract("gongan__household_register")
    persons = ctx.population.persons.sort("household_no", "person_id")
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=8)
    deliveries = []
    for i, d in enumerate(dates):
        day = pl.lit(d)
        snap = persons.filter(pl.col("registered_date") <= day)
        status = (
            pl.when(pl.col("death_date") <= day).then(pl.lit("死亡"))
            .when(pl.col("moved_out_date") <= day).then(pl.lit("迁出"))
            .otherwise(pl.lit("正常"))
        )
        marital = (
            pl.when(pl.col("marriage_date") > day).then(pl.lit("未婚"))
            .otherwise(pl.col("marital_status"))
        )
        frame = snap.select(
            id_number=pl.col("id_number"),
            name=pl.col("name"),
            gender=GENDER_ZH,
            ethnicity=pl.col("ethnicity"),
            birth_date=pl.col("birth_date").dt.strftime("%Y-%m-%d"),
            household_no=pl.col("household_no"),
            relation_to_head=pl.col("relation_to_head"),
            division_code=pl.col("village_code"),
            address=pl.concat_str(pl.lit(ctx.settings.county.province + ctx.settings.county.city
                                         + ctx.settings.county.name), pl.col("address")),
            marital_status=marital,
            phone=pl.col("phone"),
            status=status,
            registered_date=pl.col("registered_date").dt.strftime("%Y-%m-%d"),
        )
        deliveries.append(
            Delivery(
                contract=contract,
                delivery_date=d,
                file_name=f"户籍人口_{stamp(d)}.csv",
                frame=frame,
                parties=snap.select(pl.col("person_id").alias("self")),
                current=i == len(dates) - 1,
            )
        )
    return deliveries


def build(ctx: Context) -> list[Delivery]:
    return household_register(ctx)
