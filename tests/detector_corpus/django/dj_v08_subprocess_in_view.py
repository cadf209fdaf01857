# corpus: label=vulnerable class=command_injection line=8 framework=django
import subprocess
from django.http import HttpResponse


def traceroute(request):
    target = request.GET["target"]
    out = subprocess.run("traceroute -m 10 " + target, shell=True, capture_output=True, text=True)
    return HttpResponse(out.stdout, content_type="text/plain")
