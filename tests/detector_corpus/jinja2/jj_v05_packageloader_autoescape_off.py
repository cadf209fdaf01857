# corpus: label=vulnerable class=xss line=5 framework=jinja2
from jinja2 import Environment, PackageLoader
from django.http import HttpResponse

env = Environment(loader=PackageLoader("shop", "templates"), autoescape=False)


def receipt(request):
    html = env.get_template("receipt.html").render(note=request.GET.get("note", ""))
    return HttpResponse(html)
