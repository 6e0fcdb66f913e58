"""Open data (开放数据): the county's open datasets released to the public under
`data/open/<dataset id>/`, with the open-data list (开放清单) and a DCAT catalog, and nothing
personal in them. The publish stage calls `publish_open_data` after the catalog is built.

Modules: `datasets` (the dbt models of schema open_data and how each is released), `scanner`
(the personal-data scan), `suppression` (small cells and secondary suppression), `files` (csv,
parquet, geojson, dictionary, metadata), `listing` (开放清单 and catalog.json), `releases`
(catalog.open_releases and withdrawal), `stage` (the release).
"""

from __future__ import annotations

from pipelines.open_data.stage import OpenDataRefused, publish_open_data

__all__ = ["OpenDataRefused", "publish_open_data"]
