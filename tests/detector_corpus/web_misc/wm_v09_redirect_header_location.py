# corpus: label=vulnerable class=open_redirect line=10 framework=web_misc
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class R(BaseHTTPRequestHandler):
    def do_GET(self):
        dest = parse_qs(urlparse(self.path).query).get("u", ["/"])[0]
        self.send_response(302)
        self.send_header("Location", dest)
        self.end_headers()


HTTPServer(("127.0.0.1", 8081), R).serve_forever()
