# corpus: label=safe class=tls_verification_disabled framework=requests
import os
import requests

resp = requests.get(
    "https://internal-api.example.com/v1/metrics",
    headers={"Authorization": f"Bearer {os.environ['API_TOKEN']}"},
    verify="/etc/ssl/certs/internal-ca.pem",
    timeout=10,
)
print(resp.json())
