# corpus: label=safe class=sql_injection framework=django
from django.http import JsonResponse
from shop.models import Product


def by_brand(request):
    brand = request.GET.get("brand", "")
    qs = Product.objects.raw("SELECT * FROM shop_product WHERE brand = %s", [brand])
    return JsonResponse({"names": [p.name for p in qs]})
