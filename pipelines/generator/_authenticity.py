"""Authenticity cases planted the way they arise, with near-misses the rules must not flag.

The planter sees every delivery right after its builder made it (before it is written) and adds
or changes rows the way falsified or wrong data comes about: a family keeps drawing a dead
pensioner's pension; a property is registered in the name of someone who died; a subsistence
household owns two flats; a registered home's meters stand still all year; a business files an
annual report while its meter shows nothing, or draws factory power and pays no tax; a township's
figure is inflated after the county total was added up. Next to each, near-misses: the pension
of the month of death and arrears for a month before it, a registration on the day of death, a
single modest flat, winter-only use, an office with a small meter and no tax, a licence whose
validity ended the week its holder was deregistered, a county total off by one unit of rounding.

Planted rows carry a hidden `__case_ref` (`<case id>|<role>`; several joined by `;`), which the
writer turns into the file and line of each evidence row (`Emitted.case_rows`); the truth
`authenticity_cases` lists every case (these and the builders' own) with its expected outcome
(`flagged` or `not_flagged`) and its evidence rows. A sharded (city) run plants them too: the
planter moves from shard to shard (`use`), planting the cases about residents in each shard in
proportion to its residents, and those about organisations and statistics once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipelines.generator._context import Context
from pipelines.generator._model import KEY, Delivery, party

CASE_REF = "__case_ref"
_FIRST_KEY = 10**9  # keys of planted rows: never those of a builder's rows (defects are logged by key)

# The builders' own case kinds and the findings rule each one tests.
RULE_OF_KIND = {
    "benefit_after_death": "benefits_after_death",
    "licence_after_deregistration": "licence_after_deregistration",
    "indicator_sum_mismatch": "indicator_sum_mismatch",
    "indicator_contradicts_source": "indicator_against_sources",
}
EVIDENCE = pl.Struct({"role": pl.String, "source": pl.String, "file": pl.String, "line": pl.String})


def _month_after(m: date, n: int = 1) -> date:
    y, mm = m.year, m.month + n
    while mm > 12:
        y, mm = y + 1, mm - 12
    return date(y, mm, 1)


def _months_before(m: date, n: int) -> date:
    y, mm = m.year, m.month - n
    while mm < 1:
        y, mm = y - 1, mm + 12
    return date(y, mm, 1)


class Planter:
    """Plants cases into deliveries as they pass (one planter per generate run)."""

    def __init__(self, ctx: Context, share: float = 1.0) -> None:
        self.cases: list[dict[str, Any]] = []
        self.keys = _FIRST_KEY
        # what later deliveries need from earlier ones (about organisations: the whole run)
        self.enterprises: pl.DataFrame | None = None
        self.reporting: set[str] = set()
        self.taxed: set[str] = set()
        self.frozen: dict[str, str] = {}
        self.business_accounts: list[dict[str, Any]] = []
        self.licensed: set[str] = set()
        self.licence_holders: set[str] | None = None
        # organisations given a planted licence (one outliving them, or a near-miss's): one each
        self.licence_planted: set[str] = set()
        self.use(ctx, share)

    def use(self, ctx: Context, share: float = 1.0) -> None:
        """Plant into the deliveries of `ctx` from now on: the whole county, or one shard of a
        sharded run holding `share` of the residents (quotas of cases about residents shrink to
        it; the cases keep their numbering across shards)."""
        self.ctx = ctx
        self.rng = ctx.rng("authenticity")
        persons = ctx.population.persons
        dead = persons.filter(pl.col("death_date").is_not_null() & (pl.col("death_date") <= ctx.as_of))
        self.death = dict(zip(dead["person_id"].to_list(), dead["death_date"].to_list(), strict=True))
        self.persons = persons
        scale = max(ctx.factor / (20_000 / 550_000), 0.1)  # 1.0 at small
        self.quota = {rule: max(3, int(round(n * scale * (share if rule != "business_power_mismatch" else 1.0))))
                      for rule, n in {"dead_still_acting": 36, "allowance_eligibility": 36, "registered_not_living": 40,
                                      "business_power_mismatch": 36, "near": 20}.items()}
        # organisations are county-wide: planted once (in the first shard), at the county's scale
        self.quota["licence_after_deregistration"] = max(3, int(round(36 * scale)))
        # about the residents of this context (a shard's files are parts of the county's)
        self.pension_overrun: dict[str, dict[str, Any]] = {}  # person -> template row, months left, case
        self.pension_death_month: dict[str, str] = {}  # person -> case id (decided in the death month)
        self.builder_overrun: set[str] = set()
        self.pension_template: dict[str, dict[str, Any]] = {}
        self.allowance_heads: list[str] = []
        self.allowance_overrun: dict[str, dict[str, Any]] = {}
        self.allowance_death_month: set[str] = set()
        self.builder_allowance_overrun: set[str] = set()
        self.owners: set[str] = set()  # owners and co-owners of the property registrations seen
        self.acted: set[str] = set()  # the dead (and dying) planted as parties of a registration
        self.meter_plan: dict[str, tuple[str, str]] = {}  # account no -> (case id, how)
        self.home_plan: dict[str, str] = {}
        self.home_case: dict[str, str] = {}

    # --- bookkeeping -------------------------------------------------------------------------

    def case(self, rule: str, source: str, entity_kind: str, entity_id: str, detail: str, flagged: bool) -> str:
        case_id = f"A{len(self.cases) + 1:05d}"
        self.cases.append({"case_id": case_id, "kind": rule, "source": source, "entity_kind": entity_kind,
                           "entity_id": entity_id, "detail": detail,
                           "expected": "flagged" if flagged else "not_flagged"})
        return case_id

    def _with_ref(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame if CASE_REF in frame.columns else frame.with_columns(pl.lit(None, pl.String).alias(CASE_REF))

    def append(self, delivery: Delivery, rows: list[dict[str, Any]]) -> None:
        """Add rows (values as delivered, hidden columns included) at the end of a delivery."""
        if not rows:
            return
        frame = self._with_ref(delivery.frame)
        new = []
        for row in rows:
            self.keys += 1
            new.append({**row, KEY: self.keys})
        extra = pl.DataFrame(new, infer_schema_length=None)
        extra = extra.select([
            (pl.col(c) if c in extra.columns else pl.lit(None)).cast(frame.schema[c]).alias(c) for c in frame.columns
        ])
        delivery.frame = pl.concat([frame, extra])

    def tag(self, delivery: Delivery, mask: pl.Expr | pl.Series, ref: pl.Expr | str) -> None:
        """Mark rows of a delivery as evidence (`<case>|<role>`)."""
        frame = self._with_ref(delivery.frame)
        value = pl.lit(ref) if isinstance(ref, str) else ref
        delivery.frame = frame.with_columns(
            pl.when(mask).then(pl.concat_str(pl.col(CASE_REF), value, separator=";").fill_null(value))
            .otherwise(pl.col(CASE_REF)).alias(CASE_REF))

    # --- dispatch ----------------------------------------------------------------------------

    def plant(self, delivery: Delivery) -> Delivery:
        handler = getattr(self, "_" + delivery.contract.source, None)
        if handler is not None and delivery.frame.height:
            handler(delivery)
        return delivery

    # --- rule 1: a pension kept being paid after the death ------------------------------------

    def _renshe__payments(self, d: Delivery) -> None:
        m = d.period
        if m is None:
            return
        frame = d.frame
        pensions = frame.filter((pl.col("business_type") == "待遇发放")
                                & pl.col(party("self")).is_in(list(self.death)))
        persons = pensions[party("self")].to_list()
        # the builder's own overruns (a row for a month after the death month) are its cases
        for person in persons:
            death = self.death.get(person)
            if death is not None and date(death.year, death.month, 1) < m:
                self.builder_overrun.add(person)
        rows = []
        for person, plan in list(self.pension_overrun.items()):
            if person in self.builder_overrun or plan["left"] <= 0:
                continue
            row = dict(plan["row"])
            row.update(period=f"{m:%Y%m}", pay_date=(m + timedelta(days=14)).isoformat(),
                       **{CASE_REF: f"{plan['case']}|payment_after_death"})
            rows.append(row)
            plan["left"] -= 1
        for person, case in list(self.pension_death_month.items()):
            # near-miss: the pension of the month of death, held back and paid in the month after
            # it as arrears (its own month's file did not carry it: one row per person and period)
            death = self.death[person]
            if _month_after(date(death.year, death.month, 1)) == m and case.endswith(":arrears"):
                template = self.pension_template.get(person)
                if template is not None:
                    row = dict(template)
                    row.update(period=f"{_months_before(m, 1):%Y%m}", pay_date=(m + timedelta(days=14)).isoformat(),
                               **{CASE_REF: f"{case.split(':')[0]}|arrears_paid_after_death"})
                    rows.append(row)
        # deaths this month: the month of death is paid; some families keep drawing it
        # the next month's file arrives only if that month ended (plus the department's lag) by the as-of date
        last_month = _month_after(m, 2) + timedelta(days=10) > self.ctx.as_of
        held: list[str] = []  # death-month pensions held back, paid next month
        for row in pensions.iter_rows(named=True):
            person = row[party("self")]
            death = self.death.get(person)
            if death is None or date(death.year, death.month, 1) != m or person in self.pension_death_month:
                continue
            self.pension_template[person] = {k: v for k, v in row.items() if k != KEY and k != CASE_REF}
            overrun = not last_month and self.rng.random() < 0.75
            if overrun:
                case = self.case("benefits_after_death", d.contract.source, "person", person,
                                 f"pension drawn after death on {death}", True)
                self.pension_overrun[person] = {"row": self.pension_template[person], "case": case,
                                                "left": int(self.rng.integers(1, 5))}
                self.pension_death_month[person] = case
            else:
                arrears = self.rng.random() < 0.5 and not last_month  # (the next month's file must arrive)
                case = self.case("benefits_after_death", d.contract.source, "person", person,
                                 f"pension of the month of death {death}" + (", paid the month after" if arrears else ""),
                                 False)
                self.pension_death_month[person] = case + (":arrears" if arrears else "")
                if arrears:
                    held.append(person)
                    continue
            self.tag(d, (pl.col(party("self")) == person) & (pl.col("business_type") == "待遇发放"),
                     f"{case}|payment_in_death_month")
        if held:
            d.frame = d.frame.filter(~(pl.col(party("self")).is_in(held) & (pl.col("business_type") == "待遇发放")))
        self.append(d, rows)

    # --- rules 2 and 4: property registered after a death, or by a subsistence household ------

    def _minzheng__subsistence_allowance(self, d: Delivery) -> None:
        if d.period is not None and d.current:
            self.allowance_heads = d.frame[party("self")].drop_nulls().unique(maintain_order=True).to_list()
        m = d.period
        if m is None or d.replaced:
            return  # a file redelivered corrected: the correction carries the month
        self._allowance_after_death(d, m)

    def _allowance_after_death(self, d: Delivery, m: date) -> None:
        """A household's allowance paid on after its head died (the village did not report the
        death); near-miss: the allowance of the month of death."""
        frame = d.frame
        rows = []
        paid = set(frame[party("self")].drop_nulls().to_list())
        for person in paid:
            death = self.death.get(person)
            if death is not None and date(death.year, death.month, 1) < m and person not in self.allowance_overrun:
                self.builder_allowance_overrun.add(person)  # the builder's own case
        for person, plan in self.allowance_overrun.items():
            if plan["left"] <= 0 or person in paid:
                continue  # (the builder keeps paying this household itself)
            rows.append({**plan["row"], "month": f"{m:%Y%m}", CASE_REF: f"{plan['case']}|payment_after_death"})
            plan["left"] -= 1
        last_month = _month_after(m, 2) + timedelta(days=10) > self.ctx.as_of
        for row in frame.filter(pl.col(party("self")).is_not_null()).unique(party("self"), keep="first",
                                                                          maintain_order=True).iter_rows(named=True):
            person = row[party("self")]
            death = self.death.get(person)
            if (death is None or date(death.year, death.month, 1) != m or person in self.allowance_death_month
                    or person in self.builder_allowance_overrun):
                continue
            self.allowance_death_month.add(person)
            # a month that went through Excel lost its ID and account numbers: the next months'
            # rows are not copies of those
            damaged = any(isinstance(row.get(k), str) and "E+" in row[k] for k in ("id_number", "bank_account"))
            overrun = not last_month and self.rng.random() < 0.75 and not damaged
            case = self.case("benefits_after_death", d.contract.source, "person", person,
                             f"subsistence allowance drawn after death on {death}" if overrun
                             else f"allowance of the month of death {death}", overrun)
            if overrun:
                template = {k: v for k, v in row.items() if k not in (KEY, CASE_REF)}
                self.allowance_overrun[person] = {"row": template, "case": case, "left": int(self.rng.integers(1, 5))}
            self.tag(d, pl.col(party("self")) == person, f"{case}|payment_in_death_month")
        self.append(d, rows)

    def _zhujian__property_registration(self, d: Delivery) -> None:
        m = d.period
        if m is None:
            return
        template = {k: v for k, v in d.frame.row(0, named=True).items() if k not in (KEY, CASE_REF)}
        for role in ("owner", "co_owner"):
            if party(role) in d.frame.columns:
                self.owners |= set(d.frame[party(role)].drop_nulls().to_list())
        months = 12
        rows = []
        end = min(_month_after(m), self.ctx.as_of + timedelta(days=1))
        # rule 2: the dead as owners of a new registration (and registrations made before a death)
        per_month = max(1, int(np.ceil(self.quota["dead_still_acting"] / months)))
        # one person, one planted registration: a second one would be the same case again
        died_before = [p for p, dd in self.death.items()
                       if m - timedelta(days=120) <= dd < m - timedelta(days=3) and p not in self.acted]
        died_in = [p for p, dd in self.death.items() if m <= dd < end and dd.day > 1 and p not in self.acted]
        for person in self.rng.permutation(sorted(died_before))[:per_month] if died_before else []:
            when = m + timedelta(days=int(self.rng.integers(0, max(1, (end - m).days))))
            rows.append(self._property_row(template, person, when, 90.0, "dead_still_acting", True,
                                           "registration_after_death", f"property registered {when}, died {self.death[person]}"))
            self.acted.add(person)
        for person in self.rng.permutation(sorted(died_in))[: max(1, per_month // 2)] if died_in else []:
            when = self.death[person] - timedelta(days=int(self.rng.integers(0, 2)))
            rows.append(self._property_row(template, person, when, 90.0, "dead_still_acting", False,
                                           "registration_before_death", f"registered {when}, died {self.death[person]}"))
            self.acted.add(person)
        # rule 4: a subsistence household owning far more than one home (and one modest home)
        if self.allowance_heads and _month_after(m) > self.ctx.as_of - timedelta(days=62):
            heads = [h for h in self.rng.permutation(self.allowance_heads) if h not in self.death]
            n = self.quota["allowance_eligibility"]
            # a near-miss household owns nothing else: no member bought a home this year (with
            # one, the modest flat would take the household above the floor area, a real conflict)
            persons = self.persons.select("person_id", "household_id")
            owning = set(persons.filter(pl.col("person_id").is_in(list(self.owners)))["household_id"].to_list())
            household = dict(persons.filter(pl.col("person_id").is_in(heads)).iter_rows())
            near = [h for h in heads[n:] if household.get(h) not in owning][: n // 2]
            for i, head in enumerate(heads[:n] + near):
                flagged = i < n
                area = float(self.rng.uniform(180, 300)) if flagged else float(self.rng.uniform(50, 120))
                when = m + timedelta(days=int(self.rng.integers(0, max(1, (end - m).days))))
                rows.append(self._property_row(template, head, when, round(area, 2), "allowance_eligibility", flagged,
                                               "property_conflict" if flagged else "property_modest",
                                               f"subsistence household owns {area:.0f} m2"))
            self.allowance_heads = []
        self.append(d, rows)

    def _property_row(self, template: dict[str, Any], person: str, when: date, area: float, rule: str,
                      flagged: bool, role: str, detail: str) -> dict[str, Any]:
        p = self.persons.filter(pl.col("person_id") == person).row(0, named=True)
        case = self.case(rule, "zhujian__property_registration", "person", person, detail, flagged)
        serial = 900000 + len(self.cases)
        return {**template, "certificate_no": f"鲁({when.year}){self.ctx.settings.county.name}不动产权第{serial:07d}号",
                "unit_no": f"{self.ctx.settings.county.code}{serial:012d}", "owner_name": p["name"],
                "owner_id": p["id_number"], "co_ownership": "单独所有", "co_owner_name": None, "co_owner_id": None,
                "floor_area": f"{area:.2f}", "registered": when.isoformat(), "phone": p["phone"],
                party("owner"): person, party("co_owner"): None, CASE_REF: f"{case}|{role}"}

    # --- rule 6: businesses, their annual reports and taxes ------------------------------------

    def _shichang__enterprise(self, d: Delivery) -> None:
        if d.current:
            self.enterprises = d.frame.filter(pl.col("status").is_in(["存续", "在业"]) & pl.col(party("self")).is_not_null())

    def _shichang__annual_report(self, d: Delivery) -> None:
        year = str(self.ctx.as_of.year - 1)
        ok = d.frame.filter((pl.col("report_year") == year) & (pl.col("revenue").cast(pl.Float64, strict=False) > 0))
        self.reporting |= set(ok[party("self")].drop_nulls().to_list())

    def _shuiwu__monthly_tax(self, d: Delivery) -> None:
        self.taxed |= set(d.frame[party("self")].drop_nulls().to_list())

    # --- rules 5 and 6: meters ----------------------------------------------------------------

    def _gongdian__account(self, d: Delivery) -> None:
        self._home_meters(d, "power")
        self._business_meters(d)

    def _gongshui__account(self, d: Delivery) -> None:
        self._home_meters(d, "water")

    def _home_meters(self, d: Delivery, utility: str) -> None:
        persons = self.persons
        living = persons.filter(pl.col("resident") & pl.col("death_date").is_null() & pl.col("moved_out_date").is_null())
        homes = living.group_by("household_id").len()
        holders = d.frame.join(persons.select(pl.col("person_id").alias(party("holder")), "household_id"),
                               on=party("holder"), how="left").join(homes, on="household_id", how="inner")
        if utility == "power":
            # a home of its own: an address shared with another household (一址多户) has the
            # other household's meters too
            households = self.ctx.population.households
            alone = households.filter(pl.col("address").is_unique())["household_id"]
            ids = sorted(set(holders.filter(pl.col("household_id").is_in(alone.implode()))["household_id"].to_list()))
            chosen = list(self.rng.permutation(ids)[: self.quota["registered_not_living"] + self.quota["near"]]) if ids else []
            n = self.quota["registered_not_living"]
            self.home_plan = {h: ("empty" if i < n else "winter") for i, h in enumerate(chosen)}
            self.home_case = {}
            for h, how in self.home_plan.items():
                self.home_case[h] = self.case("registered_not_living", "gongdian__consumption", "household", h,
                                              "no power or water use all year" if how == "empty" else "winter-only use",
                                              how == "empty")
        for row in holders.filter(pl.col("household_id").is_in(list(self.home_plan))).iter_rows(named=True):
            h = row["household_id"]
            case = self.home_case[h]
            self.meter_plan[row["account_no"]] = (case, self.home_plan[h])
            self.tag(d, pl.col("account_no") == row["account_no"], f"{case}|meter_account")

    def _business_meters(self, d: Delivery) -> None:
        # organisations are county-wide: a sharded run plants their meters in the first shard only
        if self.enterprises is None or self.enterprises.height == 0 or not self.ctx.first_shard:
            return
        # (not a factory, nor a business registered at a factory's seat: the factory's meter,
        # drawing power, would make an idle case busy and an untaxed near-miss a real case)
        from pipelines.generator._sources.industry import factories

        plants = factories(self.ctx)
        sharing = self.ctx.orgs.filter(pl.col("address").is_in(plants["address"].implode()))["org_id"]
        orgs = self.enterprises.unique(party("self"), keep="first", maintain_order=True).filter(
            ~pl.col(party("self")).is_in(sharing.implode()))
        ids = orgs[party("self")].to_list()
        order = list(self.rng.permutation(len(ids)))
        n = self.quota["business_power_mismatch"] // 2
        near = max(2, self.quota["near"] // 2)
        plans = {"idle": [], "idle_near": [], "untaxed": [], "untaxed_near": []}
        for i in order:
            org = ids[i]
            if org in self.reporting and len(plans["idle"]) < n:
                plans["idle"].append(i)
            elif org in self.reporting and len(plans["idle_near"]) < near:
                plans["idle_near"].append(i)
            elif org not in self.taxed and org not in self.reporting and len(plans["untaxed"]) < n:
                plans["untaxed"].append(i)
            elif org not in self.taxed and org not in self.reporting and len(plans["untaxed_near"]) < near:
                plans["untaxed_near"].append(i)
        rows = []
        template = {k: v for k, v in d.frame.row(0, named=True).items() if k not in (KEY, CASE_REF)}
        for how, members in plans.items():
            for i in members:
                org = orgs.row(i, named=True)
                flagged = not how.endswith("_near")
                monthly = {"idle": 0.0, "idle_near": 800.0, "untaxed": 15000.0, "untaxed_near": 4000.0}[how]
                case = self.case("business_power_mismatch", "gongdian__account", "org", org[party("self")],
                                 f"{how}: {monthly:.0f} kWh a month", flagged)
                account = f"B{len(self.business_accounts) + 1:07d}"
                self.business_accounts.append({"account_no": account, "kwh": monthly, "case": case})
                rows.append({**template, "account_no": account, "holder": org["name"], "id_number": None,
                             "address": org["address"], "phone": org.get("phone"), "status": "正常",
                             "category": "大工业用电" if how.startswith("untaxed") else "一般工商业用电",
                             party("holder"): None, CASE_REF: f"{case}|meter_account"})
        self.append(d, rows)

    def _gongdian__consumption(self, d: Delivery) -> None:
        self._zero_homes(d, "kwh")
        m = d.period
        if m is None or not self.business_accounts or not self.ctx.first_shard:
            return
        rows = []
        for acc in self.business_accounts:
            base = self.frozen.setdefault(acc["account_no"], "1000")
            now = str(int(base) + int(acc["kwh"]))
            self.frozen[acc["account_no"]] = now
            role = "zero_use" if acc["kwh"] == 0 else "power_use"
            rows.append({"account_no": acc["account_no"], "month": f"{m:%Y%m}", "reading_prev": base,
                         "reading": now, "kwh": str(int(acc["kwh"])), "fee": f"{acc['kwh'] * 0.65:.2f}",
                         CASE_REF: f"{acc['case']}|{role}"})
        self.append(d, rows)

    def _gongshui__consumption(self, d: Delivery) -> None:
        self._zero_homes(d, "cubic_metres")

    def _zero_homes(self, d: Delivery, column: str) -> None:
        m = d.period
        if m is None or not self.meter_plan:
            return
        accounts = pl.Series(list(self.meter_plan))
        winter = m.month in (12, 1, 2)
        plan = pl.DataFrame({"account_no": accounts,
                             "__how": [how for _, how in self.meter_plan.values()],
                             "__case": [case for case, _ in self.meter_plan.values()]})
        frame = d.frame.join(plan, on="account_no", how="left", maintain_order="left")
        zero = (pl.col("__how") == "empty") | ((pl.col("__how") == "winter") & pl.lit(not winter))
        updates = {column: pl.when(zero).then(pl.lit("0")).otherwise(pl.col(column)),
                   "fee": pl.when(zero).then(pl.lit("0.00")).otherwise(pl.col("fee"))}
        if "reading" in frame.columns:
            updates["reading"] = pl.when(zero).then(pl.col("reading_prev")).otherwise(pl.col("reading"))
        frame = frame.with_columns(**updates).with_columns(
            __ref=pl.concat_str(pl.col("__case"), pl.when(zero).then(pl.lit("|zero_use")).otherwise(pl.lit("|use"))))
        refs = frame["__ref"]
        d.frame = frame.drop("__how", "__case", "__ref")
        self.tag(d, refs.is_not_null(), pl.lit(refs))

    # --- rule 3 near-miss: a licence that ended the week its holder was deregistered ----------

    def _shenpi__licence(self, d: Delivery) -> None:
        m = d.period
        self.licensed |= set(d.frame[party("holder")].drop_nulls().to_list())
        if m is None:
            return
        # organisations holding no other licence (this year's licences of the approval bureau and
        # their e-licences, which stay valid after a deregistration): the near-miss is about
        # this one alone
        if self.licence_holders is None:
            from pipelines.generator._sources.credit import licence_events

            self.licence_holders = set(licence_events(self.ctx)["org_id"].to_list())
        free = self.ctx.orgs.filter(
            ~pl.col("org_id").is_in(list(self.licensed | self.licence_holders | self.licence_planted))
            & pl.col("deregistered_date").is_not_null() & (pl.col("deregistered_date") > _month_after(m))
            & (pl.col("deregistered_date") < self.ctx.as_of - timedelta(days=45)))
        template = {k: v for k, v in d.frame.row(0, named=True).items() if k not in (KEY, CASE_REF)}
        rows = []
        reps = self.persons.select("person_id", "name", "id_number")
        # a licence granted this month to a business that closed a month or more later: nobody
        # told the approval bureau, so the licence stays valid (its registry shows the closure)
        holders = free.filter(pl.col("category").is_in(["enterprise", "individual_business"])
                              & (pl.col("established") < m)
                              & (pl.col("deregistered_date") > _month_after(m) + timedelta(days=20)))
        per_month = int(np.ceil(self.quota["licence_after_deregistration"] / 12))
        chosen = [holders.row(int(i), named=True) for i in self.rng.permutation(holders.height)[:per_month]]
        # and a licence renewed for a business that closed weeks before (the approval bureau did
        # not look at the register), where this month had too few of the first kind
        closed = self.ctx.orgs.filter(
            ~pl.col("org_id").is_in(list(self.licensed | self.licence_holders | self.licence_planted))
            & pl.col("category").is_in(["enterprise", "individual_business"])
            & (pl.col("deregistered_date") < m - timedelta(days=20))
            & (pl.col("deregistered_date") < self.ctx.as_of - timedelta(days=45)))
        chosen += [closed.row(int(i), named=True)
                   for i in self.rng.permutation(closed.height)[: max(0, per_month - len(chosen))]]
        for org in chosen:
            rep = reps.filter(pl.col("person_id") == org["legal_rep_id"])
            rep_name, rep_id = (rep["name"][0], rep["id_number"][0]) if rep.height else (None, None)
            granted = m + timedelta(days=int(self.rng.integers(0, 25)))
            valid_to = date(2099, 12, 31) if self.rng.random() < 0.3 else date(granted.year + 5, granted.month, granted.day)
            case = self.case("licence_after_deregistration", "shenpi__licence", "org", org["org_id"],
                             f"licence granted {granted} valid to {valid_to}, deregistered {org['deregistered_date']}",
                             True)
            self.licence_planted.add(org["org_id"])
            serial = f"8{len(self.cases):05d}"
            rows.append({**template, "party_name": org["name"], "uscc": org["uscc"],
                         "party_category": "04" if org["category"] == "individual_business" else "02",
                         "licence_no": f"JY{self.ctx.settings.county.code}{m.year}{serial}",
                         "decision_no": f"许〔{m.year}〕{serial}号", "decision_date": granted.isoformat(),
                         "valid_from": granted.isoformat(), "valid_to": valid_to.isoformat(), "status": "1",
                         "legal_rep": rep_name, "id_number": rep_id,
                         party("holder"): org["org_id"], party("legal_rep"): org["legal_rep_id"],
                         CASE_REF: f"{case}|licence_still_valid"})
        orgs = free.filter(~pl.col("org_id").is_in(list(self.licence_planted)))
        for org in orgs.head(max(1, self.quota["near"] // 10)).iter_rows(named=True):
            rep = reps.filter(pl.col("person_id") == org["legal_rep_id"])
            rep_name, rep_id = (rep["name"][0], rep["id_number"][0]) if rep.height else (None, None)
            ended = org["deregistered_date"] + timedelta(days=int(self.rng.integers(0, 6)))
            case = self.case("licence_after_deregistration", "shenpi__licence", "org", org["org_id"],
                             f"licence ended {ended}, deregistered {org['deregistered_date']}", False)
            self.licence_planted.add(org["org_id"])
            serial = f"9{len(self.cases):05d}"
            rows.append({**template, "party_name": org["name"], "uscc": org["uscc"],
                         "licence_no": f"JY{self.ctx.settings.county.code}{m.year}{serial}",
                         "decision_no": f"许〔{m.year}〕{serial}号", "decision_date": m.isoformat(),
                         "valid_from": m.isoformat(), "valid_to": ended.isoformat(), "status": "1",
                         "legal_rep": rep_name, "id_number": rep_id,
                         party("holder"): org["org_id"], party("legal_rep"): org["legal_rep_id"],
                         CASE_REF: f"{case}|licence_ended"})
        self.append(d, rows)

    # --- rule 7: a township inflated after the total was added up; a total off by rounding --

    def _tongji__indicator(self, d: Delivery) -> None:
        county = self.ctx.settings.county
        frame = d.frame.with_columns(__v=pl.col("value").cast(pl.Float64, strict=False),
                                     __county=pl.col("division_code").str.len_chars() == 6)
        period = frame["period"][0]
        additive = ["社会消费品零售总额", "一般公共预算收入", "规模以上工业增加值", "固定资产投资"]
        totals = frame.filter(pl.col("__county"))
        sums = frame.filter(~pl.col("__county")).group_by("indicator").agg(pl.col("__v").sum())
        agree = totals.join(sums, on="indicator", suffix="_sum").filter(
            ((pl.col("__v") - pl.col("__v_sum")).abs() < 0.05) & pl.col("indicator").is_in(additive))
        # the inflated indicator is one with townships large enough to inflate
        sizable = frame.filter(~pl.col("__county") & (pl.col("__v") > 10)).group_by("indicator").len()
        size = dict(sizable.iter_rows())
        names = sorted(agree["indicator"].to_list(), key=lambda n: (-size.get(n, 0), additive.index(n)))
        if len(names) < 2:
            return
        flagged, near = names[0], names[1]
        # a township's figure inflated by 15% after the county total was added up
        # (not a township whose figure the bureau's builder already misreported or nearly so: a
        # second distortion on top would be neither that case nor its near-miss)
        compared = {e.split("|")[0] for cases in self.ctx.cases
                    for e in cases.filter(pl.col("kind") == "indicator_contradicts_source")["entity_id"].to_list()
                    if e.endswith(f"|{flagged}|{period}")}
        townships = frame.filter(~pl.col("__county") & (pl.col("indicator") == flagged) & (pl.col("__v") > 10)
                                 & ~pl.col("division_code").str.slice(6).is_in([c[6:] for c in compared]))
        if townships.height:
            key = townships[KEY][int(self.rng.integers(0, townships.height))]
            case = self.case("indicator_sum_mismatch", "tongji__indicator", "indicator",
                             f"{county.code}|{flagged}|{period}", "a township inflated by 15% after the total", True)
            frame = frame.with_columns(value=pl.when(pl.col(KEY) == key).then(
                (pl.col("__v") * 1.15).round(1).cast(pl.String).str.replace(r"\.0$", "")).otherwise(pl.col("value")))
            d.frame = frame.drop("__v", "__county")
            self.tag(d, pl.col(KEY) == key, f"{case}|township_part")
            self.tag(d, pl.col("division_code").str.len_chars().eq(6) & (pl.col("indicator") == flagged),
                     f"{case}|county_total")
        # the county total one unit of rounding off
        case = self.case("indicator_sum_mismatch", "tongji__indicator", "indicator",
                         f"{county.code}|{near}|{period}", "county total off by one unit of rounding", False)
        frame = d.frame.with_columns(__v=pl.col("value").cast(pl.Float64, strict=False))
        bump = (pl.col("division_code").str.len_chars() == 6) & (pl.col("indicator") == near)
        d.frame = frame.with_columns(value=pl.when(bump).then(
            (pl.col("__v") + 0.1).round(1).cast(pl.String).str.replace(r"\.0$", "")).otherwise(pl.col("value"))
        ).drop("__v")
        self.tag(d, bump, f"{case}|county_total")

    # --- truth ---------------------------------------------------------------------------------

    def write_truth(self, truth: Path, case_rows: list[pl.DataFrame]) -> None:
        """Add the planted cases, their evidence rows and each case's rule to `authenticity_cases`."""
        path = truth / "authenticity_cases.parquet"
        existing = pl.read_parquet(path)
        rows = pl.concat(case_rows) if case_rows else pl.DataFrame(
            schema={"ref": pl.String, "source": pl.String, "file": pl.String, "line": pl.String})
        evidence = rows.with_columns(
            case_id=pl.col("ref").str.split("|").list.first(), role=pl.col("ref").str.split("|").list.last()
        ).filter(pl.col("case_id") != "").group_by("case_id", maintain_order=True).agg(
            pl.struct("role", "source", "file", "line").alias("evidence"))
        planted = pl.DataFrame(self.cases, schema={"case_id": pl.String, "kind": pl.String, "source": pl.String,
                                                   "entity_kind": pl.String, "entity_id": pl.String,
                                                   "detail": pl.String, "expected": pl.String})
        both = pl.concat([existing.select(planted.columns), planted])
        both = both.with_columns(rule=pl.col("kind").replace(RULE_OF_KIND)).with_columns(
            rule=pl.when(pl.col("kind").is_in(["zombie_system", "shadow_system"])).then(None).otherwise(pl.col("rule")))
        out = both.join(evidence, on="case_id", how="left", maintain_order="left").with_columns(
            pl.col("evidence").fill_null(pl.lit([], dtype=pl.List(EVIDENCE))))
        out.write_parquet(path)


def case_rows(delivery: Delivery, lines: pl.Series) -> pl.DataFrame | None:
    """(ref, source, file, line) of every evidence row of a written delivery."""
    if CASE_REF not in delivery.frame.columns:
        return None
    frame = pl.DataFrame({"ref": delivery.frame[CASE_REF], "line": lines}).filter(pl.col("ref").is_not_null())
    return frame.with_columns(pl.col("ref").str.split(";")).explode("ref").select(
        "ref", source=pl.lit(delivery.contract.source), file=pl.lit(delivery.relative_path), line="line")
