# corpus: label=safe class=tls_verification_disabled framework=requests
import ssl
import urllib.request

ctx = ssl.create_default_context()
with urllib.request.urlopen("https://status.example.org/health", context=ctx, timeout=5) as resp:
    print(resp.status)
