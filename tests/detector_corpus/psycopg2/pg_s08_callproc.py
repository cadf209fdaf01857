# corpus: label=safe class=sql_injection framework=psycopg2
import os
import psycopg2
from django.http import JsonResponse


def stock_view(request):
    with psycopg2.connect(os.environ["DATABASE_URL"]) as c:
        cur = c.cursor()
        cur.callproc("stock_for_sku", [request.GET["sku"]])
        row = cur.fetchone()
    return JsonResponse({"qty": row[0] if row else 0})
