# corpus: label=safe class=sql_injection framework=django
from django.http import JsonResponse
from accounts.models import Account

SORTS = {"id", "name", "-created"}


def table(request):
    col = request.GET.get("sort", "id")
    if col not in SORTS:
        col = "id"
    return JsonResponse({"rows": list(Account.objects.order_by(col).values_list("id", "name"))})
