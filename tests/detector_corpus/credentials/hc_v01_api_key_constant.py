# corpus: label=vulnerable class=hardcoded_credentials line=4 framework=credentials
import requests

API_KEY = "sk_live_51Hx9aQ2eZvKYlo2C8b7Tz3mN"


def charge(amount_cents):
    return requests.post(
        "https://api.payments.example.com/v1/charges",
        headers={"Authorization": f"Bearer {API_KEY}"},
        data={"amount": amount_cents},
        timeout=10,
    ).json()
