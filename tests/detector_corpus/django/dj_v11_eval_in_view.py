# corpus: label=vulnerable class=code_injection line=7 framework=django
from django.http import JsonResponse


def compute(request):
    formula = request.GET.get("f", "1+1")
    return JsonResponse({"value": eval(formula)})
