"""Sample-county generator: department extracts as departments deliver them, with known truth.

`generate(settings, scale=None, seed=None, shard_residents=None) -> GenerateSummary` replaces the landing folder with
every department's deliveries of the twelve months before `settings.as_of` and the truth folder
with what is really behind them. Imported only by `govdata generate`: no pipeline stage may
import it or read the truth it writes.

What it writes:
- `landing/<department>/<delivery date>/<file>` for the 34 source contracts of
  `pipelines.contracts` (the generator renders each file from its contract: headers, format,
  encoding, sheets, update cycle). Snapshot sources deliver a full extract per cycle (quarterly
  or yearly), incremental ones a file per month; one month of subsistence payments is
  redelivered corrected (`..._更正.csv`) and one marriage workbook is truncated (rejected).
- `truth/*.parquet`: `persons`, `households`, `orgs`, `person_records` and `org_records`
  (`record_id` = `<source>:<sha12 of the written file>:<_line>#<role>`, exactly the rows and
  parties `int_person_records` / `int_org_records` will hold), `defects` (file, line, column as
  delivered, kind, GB/T 36344 dimension, expected outcome), `authenticity_cases` and `systems`.

`write_share_samples(settings)` (called by `govdata generate` after `generate`) writes sample share
requests and approvals of every kind into the settings' requests and approvals folders.

Mess kinds and their expected outcomes are listed in `_mess.KINDS`. The same settings, scale and
seed give byte-identical files. Scales: tiny (~2,000 residents), small (~20,000), county
(550,000) are built whole; city (6,000,000) is built in shards of 500,000 residents (blocks of
households), each shard's rows appended to the files all shards share, so that memory holds one
shard, not the city (`_run._generate_sharded`; `shard_residents` shards any scale, as the tests
do with tiny).
"""

from pipelines.generator._run import GenerateSummary, generate
from pipelines.generator._share_samples import write_share_samples

__all__ = ["GenerateSummary", "generate", "write_share_samples"]
