# corpus: label=vulnerable class=unsafe_deserialization line=8 framework=extra_vuln
import pickle
from django.http import JsonResponse


def load_model(request):
    upload = request.FILES["model"]
    model = pickle.load(upload)
    return JsonResponse({"type": type(model).__name__})
