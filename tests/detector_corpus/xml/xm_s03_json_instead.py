# corpus: label=safe class=xxe framework=xml
import json
from django.http import JsonResponse


def upload_doc(request):
    data = json.loads(request.body.decode())
    return JsonResponse({"keys": sorted(data)[:50]})
