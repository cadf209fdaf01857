# corpus: label=safe class=path_traversal framework=pathlib
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404


def download(request, name):
    if "/" in name or "\\" in name or name.startswith("."):
        raise Http404
    path = f"exports/{name}"
    if not default_storage.exists(path):
        raise Http404
    return FileResponse(default_storage.open(path, "rb"), as_attachment=True)
