# corpus: label=vulnerable class=ssrf line=8 framework=requests
import urllib.request
from django.http import HttpResponse


def preview(request):
    target = request.GET["target"]
    with urllib.request.urlopen(target, timeout=5) as resp:
        return HttpResponse(resp.read(4096), content_type="text/plain")
