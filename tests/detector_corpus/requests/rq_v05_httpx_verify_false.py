# corpus: label=vulnerable class=tls_verification_disabled line=4 framework=requests
import httpx

with httpx.Client(verify=False, timeout=10.0) as client:
    r = client.get("https://billing.internal/api/invoices")
    print(r.status_code)
