# corpus: label=safe class=ssrf framework=scripts
import requests


def get_json(url):
    return requests.get(url, timeout=5).json()


def refresh_rates():
    return get_json("https://api.exchange.example.com/latest?base=EUR")


print(refresh_rates())
