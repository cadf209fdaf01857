# corpus: label=safe class=path_traversal framework=pathlib
import os
from django.http import JsonResponse, HttpResponseBadRequest


def delete_attachment(request):
    name = os.path.basename(request.POST["name"])
    if not name or name.startswith("."):
        return HttpResponseBadRequest()
    os.remove(os.path.join("/srv/attachments", name))
    return JsonResponse({"deleted": name})
