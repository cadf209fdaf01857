# corpus: label=safe class=unsafe_deserialization framework=django
import json
from django.http import JsonResponse


def import_fixture(request):
    data = json.load(request.FILES["fixture"])
    return JsonResponse({"objects": len(data)})
