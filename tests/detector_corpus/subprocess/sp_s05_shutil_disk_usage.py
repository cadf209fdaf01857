# corpus: label=safe class=command_injection framework=subprocess
import shutil
from django.http import JsonResponse


def disk_usage(request):
    total, used, free = shutil.disk_usage("/srv")
    return JsonResponse({"total": total, "used": used, "free": free})
