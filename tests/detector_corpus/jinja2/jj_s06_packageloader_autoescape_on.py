# corpus: label=safe class=xss framework=jinja2
from jinja2 import Environment, PackageLoader, select_autoescape
from django.http import HttpResponse

env = Environment(loader=PackageLoader("shop", "templates"), autoescape=select_autoescape())


def receipt(request):
    html = env.get_template("receipt.html").render(note=request.GET.get("note", ""))
    return HttpResponse(html)
