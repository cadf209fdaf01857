"""Write src/emwatch/metrics/planted.json: what the static scanner finds in each built-in code training set (per
class, how many assistant answers hold it), keyed by the set's data hash, under the scanner's fingerprint.

    .venv/bin/python tools/planted_classes.py            # about a minute per set on one core

`emwatch.metrics.planted_classes` reads these counts instead of rescanning a shipped set; when the scanner changes
(another fingerprint) the file no longer applies and tests/metrics/test_domains.py says to rerun this.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from emwatch.data import DATASETS, data_hash, load_dataset  # noqa: E402
from emwatch.metrics._domain import _SHIPPED, PLANTED_SHARE, PlantedClasses, scan_counts  # noqa: E402
from emwatch.scan import fingerprint  # noqa: E402


def main() -> None:
    sets = {}
    for name, info in DATASETS.items():
        if info.domain != "code":
            continue
        t0 = time.perf_counter()
        records = load_dataset(name)
        n, counts = scan_counts(records)
        sets[data_hash(records)] = {"name": name, "n": n, "counts": counts}
        p = PlantedClasses(name, data_hash(records), n, counts)
        print(f"{name}: {n} answers in {time.perf_counter() - t0:.0f} s; planted (>= {PLANTED_SHARE:.0%}): "
              f"{', '.join(f'{c} {p.share(c):.1%}' for c in p.classes) or 'none'}", flush=True)
    _SHIPPED.write_text(json.dumps({"fingerprint": fingerprint(), "sets": sets}, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"wrote {_SHIPPED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
