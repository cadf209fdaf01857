# corpus: label=vulnerable class=sql_injection line=9 framework=sqlite3
from django.db import connection
from django.http import JsonResponse


def report(request):
    region = request.GET.get("region", "EU")
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM sales WHERE region = '%s'" % region)
        (total,) = cursor.fetchone()
    return JsonResponse({"total": total})
