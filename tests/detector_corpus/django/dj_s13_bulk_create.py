# corpus: label=safe class=sql_injection framework=django
from django.http import JsonResponse
from blog.models import Tagged


def bulk_tag(request):
    tag = request.POST["tag"]
    ids = [int(i) for i in request.POST.getlist("id")]
    Tagged.objects.bulk_create([Tagged(post_id=i, tag=tag) for i in ids])
    return JsonResponse({"tagged": len(ids)})
