# corpus: label=vulnerable class=sql_injection line=8 framework=django
from django.http import JsonResponse
from blog.models import Post


def posts(request):
    year = request.GET.get("year", "2024")
    qs = Post.objects.extra(where=["strftime('%%Y', published) = '" + year + "'"])
    return JsonResponse({"count": qs.count()})
