# corpus: label=safe class=xss framework=xss
from django.http import HttpResponse
from django.utils.html import escape


def search(request):
    q = request.GET.get("q", "")
    return HttpResponse("<p>No results for " + escape(q) + "</p>")
