# corpus: label=safe class=tls_verification_disabled framework=requests
import requests

session = requests.Session()
session.headers["User-Agent"] = "order-sync/1.0"
for page in range(1, 4):
    r = session.get(f"https://partner.example.net/orders?page={page}", timeout=10)
    r.raise_for_status()
    print(len(r.json()))
