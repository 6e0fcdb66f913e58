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
```

dbt-duckdb imports the module, builds `Plugin(name, plugin_config, credentials)` and calls
`configure_connection(conn)` on every connection it opens; the functions registered there are
visible to the cursors dbt runs its models on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from pipelines.standards.duckdb_udfs import register_udfs


class Plugin(BasePlugin):
    """Registers the `std_*` UDFs (see `pipelines.standards.duckdb_udfs`) on dbt's connections."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        unknown = sorted(set(plugin_config) - {"as_of"})
        if unknown:
            raise ValueError(f"pipelines.standards.dbt_plugin: unknown config keys {unknown}; only 'as_of' is read")
        raw = plugin_config.get("as_of")
        self.as_of: date | None = date.fromisoformat(str(raw)) if raw else None

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_udfs(conn, as_of=self.as_of)
