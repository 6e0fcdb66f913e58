"""dbt-duckdb plugin: gives dbt's DuckDB connections the `std_*` functions of the standards.

In `profiles.yml` (dbt-duckdb 1.11):

```yaml
govdata:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('GOVDATA_WAREHOUSE', 'data/warehouse/govdata.duckdb') }}"
      plugins:
        - module: pipelines.standards.dbt_plugin
          # optional; both default to the project settings (GOVDATA_AS_OF, the county profile)
          config:
            as_of: "2026-11-01"
            extensions: [spatial]
```

dbt-duckdb imports the module, builds `Plugin(name, plugin_config, credentials)` and calls
`configure_connection(conn)` on every connection it opens; the functions registered there are
visible to the cursors dbt runs its models on. The plugin also installs and loads the DuckDB
extensions the models need (default: `spatial`) from their PyPI wheels (`duckdb-extension-*`,
through `duckdb_extensions.import_extension`), so nothing is downloaded at run time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from pipelines.errors import GovdataError
from pipelines.standards.duckdb_udfs import register_udfs

DEFAULT_EXTENSIONS = ("spatial",)
CONFIG_KEYS = ("as_of", "extensions")


def install_extensions(conn: DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Install (from the `duckdb-extension-<name>` wheel, never the network) and load extensions."""
    from duckdb_extensions import import_extension

    for name in names:
        try:
            import_extension(name, con=conn)
        except ModuleNotFoundError:
            raise GovdataError(
                f"DuckDB extension {name!r}: the wheel duckdb-extension-{name} is not installed"
            ) from None
        conn.execute(f"load {name}")


class Plugin(BasePlugin):
    """Registers the `std_*` UDFs (see `pipelines.standards.duckdb_udfs`) on dbt's connections."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        unknown = sorted(set(plugin_config) - set(CONFIG_KEYS))
        if unknown:
            raise ValueError(f"pipelines.standards.dbt_plugin: unknown config keys {unknown}; use {list(CONFIG_KEYS)}")
        raw = plugin_config.get("as_of")
        self.as_of: date | None = date.fromisoformat(str(raw)) if raw else None
        self.extensions: tuple[str, ...] = tuple(plugin_config.get("extensions", DEFAULT_EXTENSIONS))

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        install_extensions(conn, self.extensions)
        register_udfs(conn, as_of=self.as_of)
