# corpus: label=vulnerable class=sql_injection line=8 framework=django
from django.http import JsonResponse
from shop.models import Product


def by_brand(request):
    brand = request.GET.get("brand", "")
    qs = Product.objects.raw(f"SELECT * FROM shop_product WHERE brand = '{brand}'")
    return JsonResponse({"names": [p.name for p in qs]})
