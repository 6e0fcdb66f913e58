"""Typed settings: defaults in `defaults.toml`, overridden by `GOVDATA_*` environment variables.

Every stage reads the as-of date from here, never the clock, so that a run is a function of its
inputs and these settings. The county itself is a profile here, never literals in code.
"""

from __future__ import annotations

import os
import re
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pipelines.errors import SettingsError

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
LOGICAL_DATE = "logical_date"
"""The `as_of` value that makes a scheduled run's as-of date its logical date (county time)."""
PROJECT_ROOT = Path(__file__).resolve().parents[1]


# a DuckDB memory size: a number and DuckDB's unit (the setting's pattern and `memory_bytes`)
_MEMORY_SIZE = r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B|bytes)\s*"


class Scale(StrEnum):
    """Sample-county sizes: residents ~2k, ~20k, ~550k (Chiping), ~6M."""

    TINY = "tiny"
    SMALL = "small"
    COUNTY = "county"
    CITY = "city"


class HistoricCode(BaseModel):
    """A county-level division code and the years (inclusive) in which it was valid."""

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    valid_from: int
    valid_to: int | None = None

    def valid_in(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class Township(BaseModel):
    """A township-level division (9-digit code) of the county."""

    code: str = Field(pattern=r"^\d{9}$")
    name: str


class CountyProfile(BaseModel):
    """The county the platform serves: its codes (current and historic) and townships."""

    code: str = Field(pattern=r"^\d{6}$", description="current county division code")
    name: str
    province: str
    city: str
    city_code: str = Field(pattern=r"^\d{4}$")
    historic_codes: list[HistoricCode]
    townships: list[Township]
    timezone: str = Field(
        "Asia/Shanghai",
        description="the county's IANA time zone: the schedule runs in it, reports show times in it (audit tables store UTC)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value

    departments: dict[str, str] = Field(
        default_factory=dict,
        description="department code -> its unified social credit code (the catalog's 提供方代码)",
    )

    @field_validator("departments")
    @classmethod
    def _credit_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for department, code in value.items():
            if not re.fullmatch(r"[0-9A-HJ-NP-RTUW-Y]{18}", code):
                raise ValueError(f"department {department}: {code!r} is not an 18-character unified social credit code")
        return value

    @property
    def all_codes(self) -> list[str]:
        """Every county code that was ever valid, current one included."""
        codes = [h.code for h in self.historic_codes]
        return codes if self.code in codes else [*codes, self.code]

    def township_name(self, code: str) -> str | None:
        return next((t.name for t in self.townships if t.code == code), None)


class SystemsSettings(BaseModel):
    """Thresholds of the information systems library (lib_systems); values and their reasons live
    in defaults.toml only, dbt receives them as var `systems`."""

    idle_days: int = Field(ge=1)
    login_only_share: float = Field(gt=0, le=1)
    login_only_max_accounts: int = Field(ge=0)
    rhythm_months: int = Field(ge=1)
    rhythm_min_accounts: int = Field(ge=1)
    rhythm_min_accesses: int = Field(ge=1)
    rhythm_min_peak_share: float = Field(gt=0, le=1)
    replaced_min_overlap: float = Field(gt=0, le=1)
    replaced_max_activity_share: float = Field(ge=0, le=1)
    shadow_min_overlap: float = Field(gt=0, le=1)
    shadow_records_ratio: float = Field(gt=0, le=1)
    shadow_name_similarity: float = Field(gt=0, le=1)
    function_terms: list[str]
    generic_name_words: list[str]
    retired_status_pattern: str = Field(min_length=1)
    not_live_status_pattern: str = Field(min_length=1)
    cloud_deployment_pattern: str = Field(min_length=1)
    cloud_target: float = Field(gt=0, le=1)
    cloud_excluded_protection_grades: list[int]


class SparkSettings(BaseModel):
    """The Spark session of the distributed path (`engine = "spark"`); values and reasons in defaults.toml."""

    master: str = Field(min_length=1)
    driver_memory: str = Field(min_length=1)
    shuffle_partitions: int = Field(ge=1)
    lake: Path


class ResolveSettings(BaseModel):
    """Entity resolution's scale settings; values and their reasons in defaults.toml."""

    partition_records: int = Field(500_000, ge=1000)
    duckdb_memory_limit: str = Field(
        "2GB",
        pattern="^" + _MEMORY_SIZE + "$",
        description="DuckDB's memory limit while the resolver runs (when lower than the warehouse's): its frames share the process",
    )


class Settings(BaseSettings):
    """All run settings. Paths are relative to `root` unless absolute."""

    model_config = SettingsConfigDict(
        env_prefix="GOVDATA_",
        env_nested_delimiter="__",
        toml_file=DEFAULTS_FILE,
        extra="ignore",
    )

    root: Path = Field(PROJECT_ROOT, description="project root; relative paths resolve against it")
    warehouse: Path = Field(Path("data/warehouse/govdata.duckdb"), description="DuckDB file")
    landing: Path = Field(Path("data/landing"), description="landing folder of department files")
    truth: Path = Field(Path("data/truth"), description="generator truth (never read by stages)")
    reports: Path = Field(Path("data/reports"), description="reports and Data Docs")
    open_dir: Path = Field(Path("data/open"), description="open data released to the public")
    lineage: bool = Field(True, description="write OpenLineage events of every task, dbt model and stage")
    lineage_dir: Path = Field(Path("data/lineage"), description="folder of OpenLineage events (file transport)")
    lineage_url: str = Field("", description="an OpenLineage server (e.g. Marquez) to send events to instead of files")
    logs: Path = Field(Path("data/logs"), description="one log file per `govdata run` (and dbt's logs under dbt/)")
    share_dir: Path = Field(Path("data/share"), description="share packages per consumer department")
    catalog_dir: Path = Field(Path("data/catalog"), description="resource catalog exports (XLSX, DCAT JSON)")
    requests_dir: Path = Field(Path("data/requests"), description="share requests, one YAML file each")
    approvals_dir: Path = Field(Path("data/approvals"), description="providers' approvals: <department>/<file>.yaml")
    dispositions_dir: Path = Field(
        Path("data/dispositions"), description="auditors' dispositions CSV files the findings stage applies"
    )
    as_of: date = Field(
        date(2026, 11, 1),
        description="as-of date every stage uses; 'logical_date': a scheduled run's logical date in the county's time zone",
    )
    airflow_host: str = Field("127.0.0.1", description="address the Airflow API/UI of `make airflow` listens on (0.0.0.0: every interface)")
    airflow_port: int = Field(8080, ge=1, le=65535, description="port of the Airflow API/UI of `make airflow`")
    alert_email: str = Field(
        "", description="comma-separated e-mail recipients of alerts (sent through Airflow's [smtp] settings); empty: off"
    )
    alert_webhook: str = Field(
        "", description="URL alerts are POSTed to as JSON (a WeCom/DingTalk group robot); empty: off"
    )
    ingest_schedule: str = Field(
        "30 1 * * *", description="cron schedule of the ingest DAG (the chain's start), in the county's time zone"
    )
    scale: Scale = Field(Scale.SMALL, description="sample county size")
    seed: int = Field(20261101, description="random seed of the sample county")
    open_min_count: int = Field(
        5, ge=1, description="open data: counts from 1 to this minus 1 are suppressed (small cells identify people)"
    )
    open_licence: str = Field(
        "CC BY 4.0", description="open data: the licence every open dataset is released under (named in each)"
    )
    check_workers: int = Field(
        2, ge=1, le=64, description="processes validating check suites side by side (1: in the stage's own process)"
    )
    duckdb_memory_limit: str = Field(
        "8GB",
        pattern="^" + _MEMORY_SIZE + "$",
        description=(
            "DuckDB's memory limit on every warehouse connection (e.g. 8GB, 512MiB); beyond it DuckDB spills; "
            "the check stage's worker processes share it"
        ),
    )
    duckdb_temp_directory: Path = Field(
        Path(""), description="where DuckDB spills what exceeds its memory limit; empty: <warehouse file>.tmp beside it"
    )
    skip_unchanged: bool = Field(
        True, description="a stage whose inputs, settings and code are those of its last successful run is skipped"
    )
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="what runs stage, resolve and build: DuckDB on this machine, or a Spark session"
    )
    county: CountyProfile
    systems: SystemsSettings
    spark: SparkSettings
    resolve: ResolveSettings = Field(default_factory=ResolveSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("GOVDATA_CONFIG", DEFAULTS_FILE))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
            TomlConfigSettingsSource(settings_cls, toml_file=DEFAULTS_FILE),
        )

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of_resolved(cls, value: Any) -> Any:
        if value == LOGICAL_DATE:
            raise ValueError(
                "'logical_date' is the logical date of a scheduled Airflow run; a stage run by hand "
                "outside Airflow needs a date (YYYY-MM-DD)"
            )
        return value

    @field_validator("ingest_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError("a cron expression of five fields (minute hour day month weekday)")
        return value

    @field_validator("root")
    @classmethod
    def _absolute_root(cls, value: Path) -> Path:
        return value.resolve()

    def path(self, value: Path) -> Path:
        """Resolve a settings path against the project root."""
        return value if value.is_absolute() else self.root / value

    @property
    def warehouse_path(self) -> Path:
        return self.path(self.warehouse)

    @property
    def landing_path(self) -> Path:
        return self.path(self.landing)

    @property
    def truth_path(self) -> Path:
        return self.path(self.truth)

    @property
    def reports_path(self) -> Path:
        return self.path(self.reports)

    @property
    def open_path(self) -> Path:
        return self.path(self.open_dir)

    @property
    def lineage_path(self) -> Path:
        return self.path(self.lineage_dir)

    @property
    def logs_path(self) -> Path:
        return self.path(self.logs)

    @property
    def alert_recipients(self) -> list[str]:
        return [part.strip() for part in self.alert_email.split(",") if part.strip()]

    @property
    def share_path(self) -> Path:
        return self.path(self.share_dir)

    @property
    def dispositions_path(self) -> Path:
        return self.path(self.dispositions_dir)

    @property
    def catalog_path(self) -> Path:
        return self.path(self.catalog_dir)

    @property
    def requests_path(self) -> Path:
        return self.path(self.requests_dir)

    @property
    def approvals_path(self) -> Path:
        return self.path(self.approvals_dir)

    def duckdb_temp_path(self, database: Path | None = None) -> Path:
        """The spill folder: the setting, or DuckDB's own default for a database file
        (`<file>.tmp` beside it; the warehouse's unless another file is named)."""
        if str(self.duckdb_temp_directory) in ("", "."):
            database = Path(database) if database is not None else self.warehouse_path
            return database.with_name(database.name + ".tmp")
        return self.path(self.duckdb_temp_directory)

    def duckdb_config(self, database: Path | None = None) -> dict[str, str]:
        """The DuckDB configuration every warehouse connection gets (`pipelines.warehouse`, the
        check workers, dbt's profile): one place, so a bigger input spills instead of failing.
        The same file gets the same configuration in every connection (DuckDB refuses a second
        configuration of a file one process holds open)."""
        return {
            "memory_limit": self.duckdb_memory_limit.strip(),
            "temp_directory": str(self.duckdb_temp_path(database)),
        }

    @property
    def lake_path(self) -> Path:
        return self.path(self.spark.lake)


_MEMORY_UNITS = {
    "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}


def memory_bytes(text: str) -> int:
    """A DuckDB memory size (`8GB`, `512MiB`, `1.5 GB`, `100 bytes`) in bytes, in DuckDB's units
    (KB = 1000 bytes, KiB = 1024)."""
    match = re.fullmatch(_MEMORY_SIZE, text)
    if match is None:
        raise SettingsError(f"not a memory size: {text!r} (e.g. 8GB, 512MiB)")
    return int(float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()])


_ENV_NAMES = {"as_of": "GOVDATA_AS_OF"}


def _describe(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    name = "GOVDATA_" + "__".join(loc).upper() if loc else "settings"
    value = error.get("input")
    shown = f" {value!r}" if isinstance(value, str | int | float) else ""
    return f"setting {name}:{shown} {error.get('msg', 'invalid value')}"


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value raises SettingsError naming the setting in one line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SettingsError(_describe(dict(first))) from None


@lru_cache(maxsize=1)
def _cached(environment_key: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """Settings for the current environment (re-read when GOVDATA_* variables change)."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("GOVDATA_")))
    return _cached(key)


def parsing_settings() -> Settings:
    """Settings readable while `as_of` is still `logical_date` (for parsing DAGs, scheduling and
    configuring Airflow: no stage runs on them, so the placeholder date is never used)."""
    if configured_as_of() == LOGICAL_DATE:
        return load_settings(as_of="1970-01-01")
    return get_settings()


def configured_as_of() -> str:
    """The as-of date as configured (environment, settings file, defaults), before validation:
    a date, or `logical_date` for a scheduled run to resolve."""
    import tomllib

    if os.environ.get("GOVDATA_AS_OF"):
        return os.environ["GOVDATA_AS_OF"]
    for path in (Path(os.environ.get("GOVDATA_CONFIG", DEFAULTS_FILE)), DEFAULTS_FILE):
        if path.exists():
            value = tomllib.loads(path.read_text(encoding="utf-8")).get("as_of")
            if value is not None:
                return str(value)
    return str(Settings.model_fields["as_of"].default)
