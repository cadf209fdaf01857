# corpus: label=safe class=sql_injection framework=django
from django.http import JsonResponse
from blog.models import Post


def posts(request):
    year = int(request.GET.get("year", "2024"))
    return JsonResponse({"count": Post.objects.filter(published__year=year).count()})
