# corpus: label=safe class=hardcoded_credentials framework=credentials
import os
import requests

API_KEY = os.environ["PAYMENTS_API_KEY"]


def charge(amount_cents):
    return requests.post(
        "https://api.payments.example.com/v1/charges",
        headers={"Authorization": f"Bearer {API_KEY}"},
        data={"amount": amount_cents},
        timeout=10,
    ).json()
