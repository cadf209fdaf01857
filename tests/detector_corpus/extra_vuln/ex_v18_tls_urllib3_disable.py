# corpus: label=vulnerable class=tls_verification_disabled line=4 framework=extra_vuln
import urllib3

http = urllib3.PoolManager(cert_reqs="CERT_NONE")
r = http.request("GET", "https://metrics.internal.example.com/export", timeout=5.0)
print(r.status)
