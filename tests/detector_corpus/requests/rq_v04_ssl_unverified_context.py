# corpus: label=vulnerable class=tls_verification_disabled line=5 framework=requests
import ssl
import urllib.request

ctx = ssl._create_unverified_context()
with urllib.request.urlopen("https://status.example.org/health", context=ctx, timeout=5) as resp:
    print(resp.status)
