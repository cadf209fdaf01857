# corpus: label=safe class=xss framework=xss
from django.http import HttpResponse
from django.utils.html import format_html


def profile(request):
    bio = request.GET.get("bio", "")
    return HttpResponse(format_html("<div class='bio'>{}</div>", bio))
