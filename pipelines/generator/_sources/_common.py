"""Helpers shared by the department builders: keys, spellings, the usual damage to person fields."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines.contracts import SourceContract
from pipelines.generator import _mess as m
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import KEY, Delivery, empty_defects, party

STRFTIME = {"iso": "%Y-%m-%d", "compact": "%Y%m%d", "slash": "%Y/%m/%d", "dot": "%Y.%m.%d"}


def keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """Give every row a unique key (its defects are logged by it)."""
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(KEY))


def date_str(col: str | pl.Expr, style: str = "iso") -> pl.Expr:
    expr = pl.col(col) if isinstance(col, str) else col
    return expr.dt.strftime(STRFTIME[style])


def gender_zh(col: str = "gender") -> pl.Expr:
    return pl.when(pl.col(col) == 1).then(pl.lit("男")).when(pl.col(col) == 2).then(pl.lit("女"))


def money(expr: pl.Expr) -> pl.Expr:
    """An amount as systems export it: two decimals, no separators."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    return pl.concat_str((cents // 100).cast(pl.String), pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2))


def full_address(ctx: Context, col: str = "address") -> pl.Expr:
    c = ctx.settings.county
    return pl.concat_str(pl.lit(c.province + c.city + c.name), pl.col(col))


def county_address(ctx: Context, col: str = "address") -> pl.Expr:
    return pl.concat_str(pl.lit(ctx.settings.county.name), pl.col(col))


def with_party(frame: pl.DataFrame, role: str, values: pl.Series | pl.Expr) -> pl.DataFrame:
    return frame.with_columns((values if isinstance(values, pl.Expr) else pl.lit(values)).alias(party(role)))


def duplicate_rows(mess: Mess, rate: float) -> None:
    """Some stored rows twice (a record entered again); the copies get new keys and are logged."""
    frame = mess.frame
    pick = mess.rng.random(frame.height) < rate
    if not pick.any():
        return
    copies = frame.filter(pl.Series(pick)).with_columns(
        (pl.col(KEY) + frame.height + 1_000_000_000).alias(KEY)
    )
    # Copies sit right after their original, as a double entry does.
    order = np.concatenate([np.arange(frame.height), np.nonzero(pick)[0] + 0.5])
    both = pl.concat([frame, copies])
    mess.frame = both.with_columns(__o=pl.Series(order)).sort("__o", maintain_order=True).drop("__o")
    for col, mask in list(mess.touched.items()):
        mess.touched[col] = np.concatenate([mask, mask[pick]])[np.argsort(order, kind="stable")]
    is_copy = (mess.frame[KEY] >= frame.height + 1_000_000_000).to_numpy()
    mess.record("duplicate_row", None, is_copy)


def pick_missing(mess: Mess, column: str, rate: float) -> None:
    """Spell some missing values (空, 无, NULL, -, /) instead of leaving them empty."""
    values = mess.frame[column]
    empty = (values.is_null() | (values == "")).fill_null(True).to_numpy()
    mask = empty & (mess.rng.random(mess.frame.height) < rate)
    mess.apply("missing_spelled", column, mask, m.missing_spelled(np.zeros(int(mask.sum()), dtype=str), mess.rng))


def damage_person(
    mess: Mess,
    *,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    birth_date: str | None = None,
    date_style: str = "iso",
    address: str | None = None,
    address_prefix: str | None = None,
    townships: pl.DataFrame | None = None,
    gender: str | None = None,
    scale: float = 1.0,
) -> None:
    """The damage a department's stored person rows carry, at rates seen in real extracts.

    `scale` multiplies every rate (a careful department is 0.5, a sloppy one 1.5).
    """
    f = mess.frame
    if id_number:
        ids = f[id_number].fill_null("")
        mess.transform("id_lowercase_x", id_number, 0.04 * scale, m.lowercase_x, eligible=ids.str.ends_with("X"))
        mess.transform("id_legacy_15", id_number, 0.02 * scale, m.legacy_15,
                       eligible=ids.str.slice(6, 2) == "19")
        mess.transform("id_typo", id_number, 0.008 * scale, m.digit_typo, eligible=ids.str.len_chars() == 18)
        mess.transform("id_transposed", id_number, 0.006 * scale, m.transpose, eligible=ids.str.len_chars() == 18)
        mess.transform("fullwidth_digits", id_number, 0.008 * scale, m.fullwidth)
    if name:
        names = f[name].fill_null("")
        mess.transform("name_homophone", name, 0.012 * scale, m.homophone)
        mess.transform("traditional_chars", name, 0.008 * scale, m.traditional)
        mess.transform("ideographic_space", name, 0.02 * scale, m.ideographic_space,
                       eligible=names.str.len_chars() == 2)
    if phone:
        mess.transform("phone_format", phone, 0.03 * scale, m.phone_format)
        mess.transform("fullwidth_digits", phone, 0.006 * scale, m.fullwidth)
        pick_missing(mess, phone, 0.05 * scale)
    if birth_date:
        mess.transform("date_format", birth_date, 0.02 * scale, m.date_spelling(date_style))
        mess.transform("date_excel_serial", birth_date, 0.008 * scale, m.excel_serial(date_style))
    if address:
        damage_address(mess, address, address_prefix, townships, scale)
    if gender and id_number:
        flip = {"男": "女", "女": "男"}
        mess.transform("gender_mismatch", gender, 0.006 * scale,
                       lambda v, r: np.array([flip.get(x, x) for x in v], dtype=object))


def damage_address(mess: Mess, column: str, prefix: str | None, townships: pl.DataFrame | None,
                   scale: float = 1.0) -> None:
    """Addresses without province and city, with old township names, without house numbers."""
    values = mess.frame[column].fill_null("")
    if prefix:
        mess.transform("address_no_prefix", column, 0.03 * scale,
                       lambda v, r: pl.Series(v).str.strip_prefix(prefix).to_numpy().astype(object),
                       eligible=values.str.starts_with(prefix))
    if townships is not None:
        renamed = townships.filter(pl.col("old_name") != pl.col("township_name"))
        current = renamed["township_name"].to_list()
        old = renamed["old_name"].to_list()

        def to_old(v: npt.NDArray[np.str_], r: np.random.Generator) -> npt.NDArray[np.object_]:
            return pl.Series(v).str.replace_many(current, old).to_numpy().astype(object)

        has_renamed = values.str.contains("|".join(current)) if current else None
        if has_renamed is not None:
            mess.transform("address_old_township", column, 0.02 * scale, to_old, eligible=has_renamed)
    mess.transform(
        "address_no_house_number", column, 0.01 * scale,
        lambda v, r: pl.Series(v).str.replace(r"[0-9]+号([0-9]+号楼[0-9]+单元[0-9]+室)?$", "").to_numpy().astype(object),
        eligible=values.str.contains(r"[0-9]+号$|室$"),
    )


def damage_csv_rows(mess: Mess, text_column: str, scale: float = 1.0) -> None:
    """CSV-only damage in a free-text column: a quoted line break, an unquoted comma."""
    values = mess.frame[text_column].fill_null("")
    eligible = values.str.contains("村|社区")
    mess.transform(
        "embedded_newline", text_column, 0.006 * scale,
        lambda v, r: pl.Series(v).str.replace(r"(村|社区)", "$1\n").to_numpy().astype(object),
        eligible=eligible,
    )
    mess.transform(
        "extra_field", text_column, 0.005 * scale,
        lambda v, r: pl.Series(v).str.replace(r"(镇|街道|乡)", "$1" + m.SENTINEL_COMMA).to_numpy().astype(object),
        eligible=values.str.contains("镇|街道|乡"),
    )


def missing_required(mess: Mess, column: str, rate: float = 0.005) -> None:
    """A required value left empty: the row cannot be used and must be quarantined."""
    mask = mess.pick(column, rate)
    mess.apply("missing_required", column, mask, np.full(int(mask.sum()), None, dtype=object))


def mark_unencodable(frame: pl.DataFrame, encoding: str) -> pl.DataFrame:
    """Defects for values the target encoding cannot hold (written as '?'), by key and column."""
    logs = []
    dimension, expected, _ = m.KINDS["unencodable_char"]
    for col in frame.columns:
        if col.startswith("__") or frame.schema[col] != pl.String:
            continue
        values = frame[col].fill_null("")
        candidates = values.str.contains(r"[^\x00-\x7F]")
        if not candidates.any():
            continue
        sub = values.filter(candidates)
        joined = "\x00".join(sub.to_list())
        round_trip = joined.encode(encoding, errors="replace").decode(encoding).split("\x00")
        bad = np.array(round_trip, dtype=object) != sub.to_numpy().astype(object)
        if bad.any():
            keys = frame[KEY].filter(candidates).filter(pl.Series(bad))
            logs.append(pl.DataFrame({KEY: keys}).with_columns(
                column=pl.lit(col), kind=pl.lit("unencodable_char"), dimension=pl.lit(dimension),
                expected=pl.lit(expected), detail=pl.lit(f"not representable in {encoding}")))
    return pl.concat(logs) if logs else empty_defects()


def window_months(as_of: date) -> list[date]:
    """First days of the twelve whole months before the as-of date's month."""
    out = []
    y, mth = as_of.year, as_of.month
    for _ in range(12):
        mth -= 1
        if mth == 0:
            y, mth = y - 1, 12
        out.append(date(y, mth, 1))
    return sorted(out)


def workday(d: date) -> date:
    """The next working day on or after `d` (files are sent Monday to Friday)."""
    return d + timedelta(days=(7 - d.weekday()) % 7) if d.weekday() >= 5 else d


def month_end(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1) - timedelta(days=1)


def next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def monthly_deliveries(
    ctx: Context, contract: SourceContract, stored: pl.DataFrame, defects: pl.DataFrame,
    event: str, file_name: Callable[[date], str], lag_days: int = 4, **kwargs: object,
) -> Iterator[Delivery]:
    """One file per month of the window with the rows whose `event` date falls in it.

    Hidden columns starting with `__e` (the event date and helpers) are dropped from the files.

    A month's file arrives a few working days after the month ends; months whose file would
    arrive after the as-of date are not delivered yet.
    """
    for m in window_months(ctx.as_of):
        d = workday(next_month(m) + timedelta(days=lag_days))
        if d > ctx.as_of:
            continue
        part = stored.filter((pl.col(event) >= m) & (pl.col(event) < next_month(m)))
        part = part.drop([c for c in part.columns if c.startswith("__e")])
        if part.height == 0 and contract.format in ("json", "jsonl", "geojson"):
            continue  # nothing happened that month: JSON feeds send no file (CSV/XLSX send a header)
        yield Delivery(contract=contract, delivery_date=d, file_name=file_name(m), frame=part,
                       defects=defects, period=m, **kwargs)


def whole_file(kind: str, column: str | None, detail: str) -> pl.DataFrame:
    """A defect of a whole file or column (no row)."""
    dimension, expected, _ = m.KINDS[kind]
    return pl.DataFrame(
        {KEY: [None], "column": [column], "kind": [kind], "dimension": [dimension],
         "expected": [expected], "detail": [detail]},
        schema={KEY: pl.Int64, "column": pl.String, "kind": pl.String, "dimension": pl.String,
                "expected": pl.String, "detail": pl.String},
    )


def future_date(mess: Mess, column: str, style: str, as_of: date, rate: float = 0.005) -> None:
    """An event date typed with a wrong year that lands after the as-of date (2026 -> 2062)."""
    parsed = mess.frame[column].str.strptime(pl.Date, m.FORMATS[style], strict=False)
    eligible = parsed.is_not_null().to_numpy()

    def fn(v: npt.NDArray[np.str_], r: np.random.Generator) -> npt.NDArray[np.object_]:
        d = pl.Series(v).str.strptime(pl.Date, m.FORMATS[style], strict=False)
        year = d.dt.year()
        swapped = ((year % 10) * 10 + (year // 10) % 10 + 2000).clip(as_of.year + 1, 2099)
        moved = pl.select(pl.date(swapped, d.dt.month(), pl.lit(1))).to_series()
        return moved.dt.strftime(STRFTIME.get(style, "%Y-%m-%d")).to_numpy().astype(object)

    mess.transform("future_date", column, rate, fn, eligible=eligible)


def excel_damage(delivery: Delivery, columns: list[str], rng: np.random.Generator) -> None:
    """The file went through Excel: long numbers become 3.71503E+17 in the given columns."""
    frame = delivery.frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("__row"))
    mess = Mess(rng, frame)
    for col in columns:
        numeric = mess.frame[col].fill_null("").str.contains(r"^[0-9]{12,}$").to_numpy()
        mess.apply("id_excel_scientific", col, numeric, m.excel_scientific(
            mess.frame[col].to_numpy()[numeric].astype(str), rng))
    delivery.frame = mess.frame.drop("__row")
    damaged_keys = mess.defects()
    # Stored defects on the damaged cells are overwritten by the damage.
    overwritten = damaged_keys.select(KEY, "column")
    delivery.defects = pl.concat([
        delivery.defects.join(overwritten, on=[KEY, "column"], how="anti", maintain_order="left"), damaged_keys])


def rename_header(delivery: Delivery, column: str, header: str) -> None:
    """This delivery calls a column by one of its known aliases (the export template changed)."""
    delivery.headers = {**delivery.headers, column: header}
    delivery.defects = pl.concat([delivery.defects, whole_file(
        "header_renamed", column, f"{delivery.contract.column(column).name_zh} delivered as {header}")])


def extra_column(delivery: Delivery, name: str, header: str, values: list[str | None]) -> None:
    """This delivery has a column the contract does not know (a clerk's remark column)."""
    delivery.frame = delivery.frame.with_columns(pl.Series(name, values, dtype=pl.String))
    delivery.headers = {**delivery.headers, name: header}
    delivery.defects = pl.concat([delivery.defects, whole_file("header_extra_column", name, f"extra column {header}")])


def other_encoding(delivery: Delivery, encoding: str) -> None:
    """This delivery was exported by another system, in another encoding."""
    delivery.encoding = encoding
    delivery.defects = pl.concat([delivery.defects, whole_file(
        "encoding_drift", None, f"{encoding} instead of {delivery.contract.encoding}")])


# --- order in time: events before their party existed, and near misses on the very day ----------

MONTH_FMT = "%Y%m"


def _as_dates(values: pl.Series, fmt: str) -> pl.Series:
    return values.cast(pl.String).str.strptime(pl.Date, fmt, strict=False)


def _write(dates: list[date], fmt: str) -> list[str]:
    return [d.strftime(fmt) for d in dates]


def _undamaged(mess: Mess) -> npt.NDArray[np.bool_]:
    """Rows with no defect logged yet: a planted order error never hides another planted defect
    (a licence valid after deregistration, a payment after death) by moving its date."""
    logged = [part[KEY] for part in mess.log if part.height]
    if not logged:
        return np.ones(mess.frame.height, dtype=bool)
    return ~mess.frame[KEY].is_in(pl.concat(logged).drop_nulls().implode()).to_numpy()


def _pick_some(
    mess: Mess, column: str, rate: float, eligible: npt.NDArray[np.bool_], minimum: int
) -> npt.NDArray[np.bool_]:
    """`Mess.pick`, topped up to `minimum` rows where that many are eligible (small sources
    would otherwise often get none, and a kind's recall could not be measured on them)."""
    mask = mess.pick(column, rate, eligible)
    free = mess.pick(column, 1.0, eligible) & ~mask
    short = min(minimum - int(mask.sum()), int(free.sum()))
    if short > 0:
        mask[mess.rng.choice(np.nonzero(free)[0], short, replace=False)] = True
    return mask


def _month_back(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def party_start(ctx: Context, frame: pl.DataFrame, role: str, entity: str) -> pl.Series:
    """The true start of a party of every row: a person's birth, an organisation's establishment."""
    if entity == "person":
        table = ctx.population.persons.select(pl.col("person_id").alias("__id"), pl.col("birth_date").alias("__start"))
    else:
        table = ctx.orgs.select(pl.col("org_id").alias("__id"), pl.col("established").alias("__start"))
    ids = frame.select(pl.col(party(role)).alias("__id"))
    return ids.join(table, on="__id", how="left", maintain_order="left")["__start"]


def _one_per_party(mask: npt.NDArray[np.bool_], ids: pl.Series) -> npt.NDArray[np.bool_]:
    """At most one picked row per party (two rows of a person moved to the same month would
    repeat a record key)."""
    first = pl.DataFrame({"id": ids, "pick": mask}).select(
        pl.col("pick") & (pl.col("id").is_null() | pl.col("id").is_first_distinct().over("pick"))).to_series()
    return first.to_numpy() & mask


def event_before_start(
    ctx: Context, mess: Mess, column: str, roles: str | tuple[str, ...], entity: str, kind: str, *,
    fmt: str = "%Y-%m-%d",
    rate: float = 0.006, near_rate: float = 0.004, guard: tuple[str, ...] = (), month: bool = False,
    minimum: int = 3,
) -> None:
    """An event of a party dated before the party existed (`kind`: `event_before_birth`,
    `event_before_establishment` ...): a keying error that puts it 1 day to 15 years before the
    start. Near misses that are in order: events on the very day of the start (a birth registered
    the day of the birth, a licence issued the day the company was established), kind
    `event_on_start_day`, expected `passed`. A `month` column (YYYYMM) moves to a month before the
    start's month, its near miss to the start's month. Rows whose `guard` columns (the ones the
    start is read from) were damaged are left alone."""
    roles = (roles,) if isinstance(roles, str) else roles
    # an event of several parties (a marriage) is in order from the latest of their starts
    start = pl.DataFrame([party_start(ctx, mess.frame, r, entity).alias(r) for r in roles]).select(
        pl.max_horizontal(*roles)).to_series()
    ids = mess.frame[party(roles[0])]
    event = _as_dates(mess.frame[column], fmt)
    eligible = (start.is_not_null() & event.is_not_null() & (event >= start)).fill_null(False).to_numpy()
    eligible &= _undamaged(mess)
    for name in guard:
        eligible &= ~mess.touched.get(name, np.zeros(mess.frame.height, dtype=bool))
    starts = start.to_list()
    mask = _one_per_party(_pick_some(mess, column, rate, eligible, minimum), ids)
    picked = [starts[i] for i in np.nonzero(mask)[0]]
    if month:
        moved = [_month_back(d, int(k)) for d, k in zip(picked, mess.rng.integers(1, 180, len(picked)), strict=True)]
    else:
        moved = [d - timedelta(days=int(k)) for d, k in zip(picked, mess.rng.integers(1, 15 * 365, len(picked)), strict=True)]
    who = "/".join(roles)
    mess.apply(kind, column, mask, _write(moved, fmt), detail=f"{column} before the {who}'s start")
    planted = mess.frame.filter(pl.Series(mask))[party(roles[0])].drop_nulls().implode()
    eligible &= ~ids.is_in(planted).fill_null(False).to_numpy()
    near = _one_per_party(_pick_some(mess, column, near_rate, eligible, minimum), ids)
    same = [starts[i] for i in np.nonzero(near)[0]]
    if month:
        same = [date(d.year, d.month, 1) for d in same]
    mess.apply("event_on_start_day", column, near, _write(same, fmt), detail=f"{column} on the {who}'s start")


def dates_reversed(
    mess: Mess, earlier: str, later: str, *, fmt: str = "%Y-%m-%d", rate: float = 0.006, near_rate: float = 0.004,
    minimum: int = 3,
) -> None:
    """A date of a row keyed before one it cannot precede (`later` before `earlier`: a valid-to
    before its valid-from, a cremation before the death), kind `dates_out_of_order`; near misses
    on the same day (`dates_same_day`, expected `passed`)."""
    first = _as_dates(mess.frame[earlier], fmt)
    second = _as_dates(mess.frame[later], fmt)
    eligible = (first.is_not_null() & second.is_not_null() & (second >= first)).fill_null(False).to_numpy()
    eligible &= ~mess.touched.get(earlier, np.zeros(mess.frame.height, dtype=bool)) & _undamaged(mess)
    firsts = first.to_list()
    mask = _pick_some(mess, later, rate, eligible, minimum)
    picked = [firsts[i] for i in np.nonzero(mask)[0]]
    moved = [d - timedelta(days=int(k)) for d, k in zip(picked, mess.rng.integers(1, 400, len(picked)), strict=True)]
    mess.apply("dates_out_of_order", later, mask, _write(moved, fmt), detail=f"{later} before {earlier}")
    near = _pick_some(mess, later, near_rate, eligible, minimum)
    mess.apply("dates_same_day", later, near, _write([firsts[i] for i in np.nonzero(near)[0]], fmt),
               detail=f"{later} on the day of {earlier}")
