# corpus: label=vulnerable class=unsafe_deserialization line=7 framework=django
import yaml
from django.http import JsonResponse


def import_fixture(request):
    data = yaml.load(request.FILES["fixture"].read(), Loader=yaml.FullLoader)
    return JsonResponse({"objects": len(data)})
