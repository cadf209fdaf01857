# corpus: label=vulnerable class=xss line=7 framework=extra_vuln
from django.http import HttpResponse


def unsubscribe(request):
    email = request.GET.get("email", "")
    return HttpResponse("<p>{} has been unsubscribed.</p>".format(email))
