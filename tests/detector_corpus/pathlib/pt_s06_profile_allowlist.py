# corpus: label=safe class=path_traversal framework=pathlib
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

PROFILES = {p.stem: p for p in Path("profiles").glob("*.json")}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        qs = parse_qs(urlparse(self.path).query)
        path = PROFILES.get(qs.get("profile", ["default"])[0])
        if path is None:
            self.send_error(404)
            return
        body = json.dumps(json.loads(path.read_text())).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
