# corpus: label=vulnerable class=xss line=8 framework=django
from django.shortcuts import render
from django.utils.safestring import SafeString


def greet(request):
    name = request.GET.get("name", "")
    return render(request, "greet.html", {"hello": SafeString("<b>Hello " + name + "</b>")})
