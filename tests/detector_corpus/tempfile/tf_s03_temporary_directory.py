# corpus: label=safe class=insecure_temp_file framework=tempfile
import subprocess
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as d:
    out = Path(d) / "report.pdf"
    subprocess.run(["wkhtmltopdf", "report.html", str(out)], check=True)
    print(out.stat().st_size)
