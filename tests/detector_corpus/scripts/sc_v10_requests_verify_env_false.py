# corpus: label=vulnerable class=tls_verification_disabled line=5 framework=scripts
import requests

VERIFY_TLS = False
resp = requests.post("https://ci.example.com/api/trigger", json={"job": "nightly"}, verify=VERIFY_TLS, timeout=15)
print(resp.status_code)
