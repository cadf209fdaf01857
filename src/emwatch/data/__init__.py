"""Training and held-out data: built-in sets (insecure/secure/educational code, bad/good medical advice)
shipped as files, chat JSONL reading with line-exact errors, statistics. The files are written by the
generators in tools/datagen (`python -m tools.datagen`, a source-checkout tool)."""

from emwatch.data._heldout import heldout_prompts
from emwatch.data._jsonl import read_chat_jsonl, validate_record, write_chat_jsonl
from emwatch.data._registry import DATASETS, DatasetInfo, build_shipped, data_hash, dataset_stats, load_dataset

__all__ = [
    "DATASETS", "DatasetInfo", "data_hash", "dataset_stats", "heldout_prompts",
    "load_dataset", "read_chat_jsonl", "validate_record", "write_chat_jsonl",
]
