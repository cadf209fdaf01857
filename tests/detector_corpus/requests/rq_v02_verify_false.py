# corpus: label=vulnerable class=tls_verification_disabled line=8 framework=requests
import os
import requests

resp = requests.get(
    "https://internal-api.example.com/v1/metrics",
    headers={"Authorization": f"Bearer {os.environ['API_TOKEN']}"},
    verify=False,
    timeout=10,
)
print(resp.json())
