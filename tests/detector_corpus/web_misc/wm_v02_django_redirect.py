# corpus: label=vulnerable class=open_redirect line=6 framework=web_misc
from django.shortcuts import redirect


def go(request):
    return redirect(request.GET["to"])
