# corpus: label=safe class=path_traversal framework=pathlib
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "config"


def load_templates():
    out = {}
    for name in ("welcome", "reset", "invoice"):
        out[name] = (CONFIG_DIR / f"{name}.txt").read_text(encoding="utf-8")
    return out


print(sorted(load_templates()))
