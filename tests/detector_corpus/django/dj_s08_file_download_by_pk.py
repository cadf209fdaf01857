# corpus: label=safe class=path_traversal framework=django
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from billing.models import Invoice


def invoice_pdf(request, pk):
    inv = get_object_or_404(Invoice, pk=pk, owner=request.user)
    return FileResponse(inv.pdf.open("rb"), content_type="application/pdf")
