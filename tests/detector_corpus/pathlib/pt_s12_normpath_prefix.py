# corpus: label=safe class=path_traversal framework=pathlib
import os
import tornado.web

ASSETS = os.path.abspath("assets")


class AssetHandler(tornado.web.RequestHandler):
    def get(self):
        path = os.path.normpath(os.path.join(ASSETS, self.get_argument("f")))
        if not path.startswith(ASSETS + os.sep):
            raise tornado.web.HTTPError(403)
        with open(path, "rb") as fh:
            self.write(fh.read())
