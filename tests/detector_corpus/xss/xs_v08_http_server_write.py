# corpus: label=vulnerable class=xss line=12 framework=xss
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        who = parse_qs(urlparse(self.path).query).get("who", ["anon"])[0]
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(f"<p>Signed in as {who}</p>".encode())


HTTPServer(("127.0.0.1", 8000), H).serve_forever()
