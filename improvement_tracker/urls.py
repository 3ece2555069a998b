from django.contrib import admin
from django.urls import include, path

from plans.views import healthz

admin.site.site_header = "Improvement plan tracker administration"
admin.site.site_title = "Improvement plan tracker"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("plans.urls")),
]
