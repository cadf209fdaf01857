# corpus: label=safe class=sql_injection framework=django
from django.http import JsonResponse
from django.views.decorators.http import require_POST
from support.models import Ticket


@require_POST
def open_ticket(request):
    t = Ticket.objects.create(
        subject=request.POST["subject"][:200],
        body=request.POST["body"],
        reporter=request.user,
    )
    return JsonResponse({"id": t.pk}, status=201)
