from django.conf import settings
from django.utils.functional import SimpleLazyObject


def service(request):
    user = getattr(request, "user", None)

    def can_import() -> bool:
        from plans.permissions import can_import_plans

        return user is not None and can_import_plans(user, check_permission=False)

    return {"service_name": settings.SERVICE_NAME, "can_import": SimpleLazyObject(can_import)}
