"""The DuckDB result store: versioned schema, content-hash keys, resumable inserts, Parquet export."""

from emwatch.store._import import ImportResult, import_csv
from emwatch.store._keys import canonical_json, content_key
from emwatch.store._records import (
    checkpoint_key, git_revision, package_versions, register_base_model, register_checkpoint, register_run, run_key,
)
from emwatch.store._schema import SCHEMA_VERSION, TABLES, VIEWS
from emwatch.store._store import Store, StoreError

__all__ = [
    "ImportResult", "import_csv",
    "checkpoint_key", "git_revision", "package_versions", "register_base_model", "register_checkpoint",
    "register_run", "run_key","SCHEMA_VERSION", "TABLES", "VIEWS", "Store", "StoreError", "canonical_json", "content_key"]
