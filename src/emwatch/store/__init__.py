"""The DuckDB result store: typed records that own their content-hash keys, intent-level reads, a versioned
schema upgraded in place, CSV import of earlier studies, Parquet export."""

from emwatch._lazy import lazy_exports
from emwatch.errors import StoreError

# each name is imported from its module when first used: a reader of the store (`emwatch status`) does not import
# the CSV import (yaml, configs) or pandas
__getattr__ = lazy_exports(__name__, {
    "ImportOptions": "_import", "ImportResult": "_import", "import_csv": "_import", "import_files": "_import",
    "JudgeChoice": "_judges", "choose_judges": "_judges", "parse_judge": "_judges",
    "canonical_json": "_keys", "content_key": "_keys",
    **dict.fromkeys(["RECORD_TYPES", "Checkpoint", "Judgment", "MonitorEvent", "Question", "Record", "Run", "Sample",
                     "Task", "checkpoint_key", "git_revision", "judgment_key", "package_versions",
                     "register_base_model", "register_checkpoint", "register_run", "run_key", "sample_key",
                     "text_hash"], "_records"),
    "Registered": "_register", "register_model": "_register",
    "SCHEMA_VERSION": "_schema", "TABLES": "_schema", "views": "_schema",
    "Store": "_store",
})

__all__ = [
    "RECORD_TYPES", "SCHEMA_VERSION", "TABLES", "Checkpoint", "ImportOptions", "ImportResult", "JudgeChoice", "Judgment",
    "MonitorEvent", "Question", "Record", "Registered", "Run", "Sample", "Store", "StoreError", "Task", "canonical_json",
    "checkpoint_key", "choose_judges", "content_key", "git_revision", "import_csv", "import_files", "judgment_key",
    "package_versions", "parse_judge", "register_base_model", "register_checkpoint",
    "register_model", "register_run", "run_key", "sample_key", "text_hash", "views",
]
