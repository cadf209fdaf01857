# corpus: label=safe class=unsafe_deserialization framework=deserialize
from django.core import signing
from django.http import JsonResponse


def cart(request):
    raw = request.COOKIES.get("cart")
    try:
        items = signing.loads(raw, salt="cart") if raw else []
    except signing.BadSignature:
        items = []
    return JsonResponse({"count": len(items)})
