# corpus: label=safe class=sql_injection framework=sqlite3
from django.db import connection
from django.http import JsonResponse


def report(request):
    region = request.GET.get("region", "EU")
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM sales WHERE region = %s", [region])
        (total,) = cursor.fetchone()
    return JsonResponse({"total": total})
