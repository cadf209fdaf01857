# corpus: label=vulnerable class=xss line=7 framework=xss
from django.http import HttpResponse


def search(request):
    q = request.GET.get("q", "")
    return HttpResponse("<p>No results for " + q + "</p>")
