# corpus: label=safe class=tls_verification_disabled framework=requests
import httpx

with httpx.Client(timeout=10.0) as client:
    r = client.get("https://billing.internal/api/invoices")
    print(r.status_code)
