# corpus: label=safe class=open_redirect framework=web_misc
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def go(request):
    target = request.GET.get("to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        target = "/"
    return redirect(target)
