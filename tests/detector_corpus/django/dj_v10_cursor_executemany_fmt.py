# corpus: label=vulnerable class=sql_injection line=11 framework=django
from django.db import connection
from django.http import JsonResponse


def bulk_tag(request):
    tag = request.POST["tag"]
    ids = request.POST.getlist("id")
    with connection.cursor() as cur:
        for i in ids:
            cur.execute(f"INSERT INTO blog_tagged (post_id, tag) VALUES ({i}, '{tag}')")
    return JsonResponse({"tagged": len(ids)})
