# corpus: label=safe class=open_redirect framework=django
from django.http import HttpResponseRedirect
from django.urls import reverse


def after_logout(request):
    return HttpResponseRedirect(reverse("home"))
