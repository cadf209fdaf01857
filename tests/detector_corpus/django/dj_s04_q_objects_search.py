# corpus: label=safe class=sql_injection framework=django
from django.db.models import Q
from django.http import JsonResponse
from people.models import Person


def search(request):
    term = request.GET.get("q", "")
    found = Person.objects.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))[:25]
    return JsonResponse({"people": [str(p) for p in found]})
