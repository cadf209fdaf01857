# corpus: label=vulnerable class=path_traversal line=9 framework=pathlib
import os
import tornado.web


class AssetHandler(tornado.web.RequestHandler):
    def get(self):
        name = self.get_argument("f")
        with open(os.path.join("assets", name), "rb") as fh:
            self.write(fh.read())
