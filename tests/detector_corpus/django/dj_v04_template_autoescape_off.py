# corpus: label=vulnerable class=xss line=8 framework=django
from django.http import HttpResponse
from django.template import Context, Template


def banner(request):
    t = Template("{% autoescape off %}<div>{{ msg }}</div>{% endautoescape %}")
    return HttpResponse(t.render(Context({"msg": request.GET.get("msg", "")})))
