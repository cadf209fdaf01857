# corpus: label=safe class=tls_verification_disabled framework=scripts
import os
import requests

ca = os.environ.get("REQUESTS_CA_BUNDLE", True)
resp = requests.post("https://ci.example.com/api/trigger", json={"job": "nightly"}, verify=ca, timeout=15)
print(resp.status_code)
