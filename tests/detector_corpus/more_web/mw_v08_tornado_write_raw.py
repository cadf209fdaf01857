# corpus: label=vulnerable class=xss line=8 framework=more_web
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        name = self.get_argument("name", "")
        self.write("<p>hello " + name + "</p>")
