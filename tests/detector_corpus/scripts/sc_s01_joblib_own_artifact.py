# corpus: label=safe class=unsafe_deserialization framework=scripts
import json
from pathlib import Path

ARTIFACT = Path(__file__).with_name("thresholds.json")
thresholds = json.loads(ARTIFACT.read_text())
print(thresholds.get("fraud", 0.5))
