# corpus: label=vulnerable class=xxe line=9 framework=xml
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges
from django.http import JsonResponse


def upload_xml(request):
    events = pulldom.parseString(request.body.decode())
    events.parser.setFeature(feature_external_ges, True)
    names = [node.tagName for ev, node in events if ev == pulldom.START_ELEMENT]
    return JsonResponse({"tags": names[:50]})
