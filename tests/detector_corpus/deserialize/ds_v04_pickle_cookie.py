# corpus: label=vulnerable class=unsafe_deserialization line=9 framework=deserialize
import base64
import pickle
from django.http import JsonResponse


def cart(request):
    raw = request.COOKIES.get("cart", "")
    items = pickle.loads(base64.b64decode(raw)) if raw else []
    return JsonResponse({"count": len(items)})
