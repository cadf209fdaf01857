# corpus: label=vulnerable class=path_traversal line=8 framework=pathlib
from django.conf import settings
from django.http import FileResponse


def download(request, name):
    path = f"{settings.MEDIA_ROOT}/exports/{name}"
    return FileResponse(open(path, "rb"), as_attachment=True)
