from django.contrib import admin
from django.urls import include, path

from plans.views import healthz

admin.site.site_header = "Improvement plan tracker administration"
admin.site.site_title = "Improvement plan tracker"


def _superusers_only(request) -> bool:
    # Staff status alone opens nothing: plan access is managed in the app, the admin is for superusers.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("measures.urls")),
    path("", include("plans.urls")),
]
