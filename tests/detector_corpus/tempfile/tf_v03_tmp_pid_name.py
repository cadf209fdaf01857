# corpus: label=vulnerable class=insecure_temp_file line=5 framework=tempfile
import os
import subprocess

out = f"/tmp/report-{os.getpid()}.pdf"
subprocess.run(["wkhtmltopdf", "report.html", out], check=True)
print("written", out)
