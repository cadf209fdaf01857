# corpus: label=safe class=xss framework=more_web
import tornado.escape
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        name = self.get_argument("name", "")
        self.write("<p>hello " + tornado.escape.xhtml_escape(name) + "</p>")
