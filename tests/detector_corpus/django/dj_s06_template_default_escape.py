# corpus: label=safe class=xss framework=django
from django.http import HttpResponse
from django.template import Context, Template


def banner(request):
    t = Template("<div>{{ msg }}</div>")
    return HttpResponse(t.render(Context({"msg": request.GET.get("msg", "")})))
