# corpus: label=vulnerable class=insecure_temp_file line=6 framework=extra_vuln
import os
import requests

dest = os.path.join("/tmp", "latest-release.tar.gz")
with open(dest, "wb") as fh:
    fh.write(requests.get("https://releases.example.com/latest.tar.gz", timeout=30).content)
print(dest)
