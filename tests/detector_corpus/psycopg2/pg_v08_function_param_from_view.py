# corpus: label=vulnerable class=sql_injection line=10 framework=psycopg2
import os
import psycopg2
from django.http import JsonResponse


def lookup(sku):
    with psycopg2.connect(os.environ["DATABASE_URL"]) as c:
        cur = c.cursor()
        cur.execute("SELECT qty FROM stock WHERE sku = '{}'".format(sku))
        row = cur.fetchone()
        return row[0] if row else 0


def stock_view(request):
    return JsonResponse({"qty": lookup(request.GET["sku"])})
