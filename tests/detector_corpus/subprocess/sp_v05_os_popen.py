# corpus: label=vulnerable class=command_injection line=8 framework=subprocess
import os
from django.http import HttpResponse


def disk_usage(request):
    path = request.GET.get("path", "/srv")
    listing = os.popen("du -sh " + path).read()
    return HttpResponse(listing, content_type="text/plain")
