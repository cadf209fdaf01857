# corpus: label=safe class=xss framework=django
from django.shortcuts import render


def greet(request):
    return render(request, "greet.html", {"name": request.GET.get("name", "")})
