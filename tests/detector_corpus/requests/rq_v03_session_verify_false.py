# corpus: label=vulnerable class=tls_verification_disabled line=5 framework=requests
import requests

session = requests.Session()
session.verify = False
for page in range(1, 4):
    r = session.get(f"https://partner.example.net/orders?page={page}", timeout=10)
    print(len(r.json()))
