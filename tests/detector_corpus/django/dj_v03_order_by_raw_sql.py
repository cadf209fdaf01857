# corpus: label=vulnerable class=sql_injection line=9 framework=django
from django.db import connection
from django.http import JsonResponse


def table(request):
    col = request.GET.get("sort", "id")
    with connection.cursor() as cur:
        cur.execute("SELECT id, name FROM accounts_account ORDER BY %s" % col)
        return JsonResponse({"rows": cur.fetchall()})
