# corpus: label=vulnerable class=path_traversal line=8 framework=django
import os
from django.http import HttpResponse


def invoice_pdf(request):
    fname = request.GET["file"]
    with open(os.path.join("/srv/invoices", fname), "rb") as fh:
        return HttpResponse(fh.read(), content_type="application/pdf")
