# corpus: label=vulnerable class=path_traversal line=8 framework=pathlib
import os
from django.http import JsonResponse


def delete_attachment(request):
    name = request.POST["name"]
    os.remove(os.path.join("/srv/attachments", name))
    return JsonResponse({"deleted": name})
