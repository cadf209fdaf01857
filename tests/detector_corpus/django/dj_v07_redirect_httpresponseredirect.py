# corpus: label=vulnerable class=open_redirect line=6 framework=django
from django.http import HttpResponseRedirect


def after_logout(request):
    return HttpResponseRedirect(request.POST.get("return_to", "/"))
