from django.conf import settings

from targets.models import DataValue


def portal(request):
    return {
        "portal_demo_data": DataValue.unscoped.filter(is_demo=True).exists()
        if request.user.is_authenticated
        else False,
        "portal_debug": settings.DEBUG,
    }
