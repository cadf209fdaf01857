# corpus: label=vulnerable class=hardcoded_credentials line=4 framework=extra_vuln
import requests

GITHUB_TOKEN = "ghp_4fT9kLm2QxV8nB3rZ7wY1cD6hJ0pS5aE2uK9"

resp = requests.get(
    "https://api.github.com/user/repos",
    headers={"Authorization": f"token {GITHUB_TOKEN}"},
    timeout=10,
)
print([r["name"] for r in resp.json()])
