"""The DuckDB result store: typed records that own their content-hash keys, intent-level reads, a versioned
schema upgraded in place, CSV import of earlier studies, Parquet export."""

from emwatch.errors import StoreError
from emwatch.store._import import ImportOptions, ImportResult, import_csv, import_files
from emwatch.store._judges import JudgeChoice, choose_judges, parse_judge
from emwatch.store._keys import canonical_json, content_key
from emwatch.store._records import (
    RECORD_TYPES, Checkpoint, Judgment, MonitorEvent, Question, Record, Run, Sample, Task, checkpoint_key,
    git_revision, judgment_key, package_versions, register_base_model, register_checkpoint, register_run, run_key,
    sample_key, text_hash,
)
from emwatch.store._register import Registered, register_model
from emwatch.store._schema import SCHEMA_VERSION, TABLES, views
from emwatch.store._store import Store

__all__ = [
    "RECORD_TYPES", "SCHEMA_VERSION", "TABLES", "Checkpoint", "ImportOptions", "ImportResult", "JudgeChoice", "Judgment",
    "MonitorEvent", "Question", "Record", "Registered", "Run", "Sample", "Store", "StoreError", "Task", "canonical_json",
    "checkpoint_key", "choose_judges", "content_key", "git_revision", "import_csv", "import_files", "judgment_key",
    "package_versions", "parse_judge", "register_base_model", "register_checkpoint",
    "register_model", "register_run", "run_key", "sample_key", "text_hash", "views",
]
