# corpus: label=vulnerable class=jwt_unverified line=8 framework=extra_vuln
import jwt
from django.http import JsonResponse


def whoami(request):
    token = request.COOKIES.get("token", "")
    data = jwt.decode(token, "unused", algorithms=["HS256"], options={"verify_signature": False})
    return JsonResponse({"user": data.get("sub")})
