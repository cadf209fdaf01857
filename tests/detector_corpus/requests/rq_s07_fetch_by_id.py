# corpus: label=safe class=ssrf framework=requests
import requests
from django.http import JsonResponse

FEEDS = {
    "python": "https://www.python.org/blogs/feed/",
    "django": "https://www.djangoproject.com/rss/weblog/",
}


def feed(request):
    url = FEEDS.get(request.GET.get("name", ""))
    if url is None:
        return JsonResponse({"error": "unknown feed"}, status=404)
    r = requests.get(url, timeout=5)
    return JsonResponse({"bytes": len(r.content)})
