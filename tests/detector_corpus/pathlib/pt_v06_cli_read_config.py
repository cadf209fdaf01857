# corpus: label=vulnerable class=path_traversal line=11 framework=pathlib
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        qs = parse_qs(urlparse(self.path).query)
        name = qs.get("profile", ["default"])[0]
        with open(f"profiles/{name}.json") as fh:
            body = json.dumps(json.load(fh)).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
