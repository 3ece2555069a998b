from django.contrib import admin
from django.urls import include, path
from django_otp import DEVICE_ID_SESSION_KEY

from plans import twofactor
from plans.views import healthz

admin.site.site_header = "Improvement plan tracker administration"
admin.site.site_title = "Improvement plan tracker"


def _superusers_only(request) -> bool:
    # Staff status alone opens nothing: plan access is managed in the app, the admin is for superusers.
    # ...and only once the session has passed two-factor sign-in.
    return request.user.is_active and request.user.is_superuser and DEVICE_ID_SESSION_KEY in request.session


admin.site.has_permission = _superusers_only

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/two-factor/", twofactor.two_factor, name="two_factor"),
    path("accounts/two-factor/verify/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/set-up/", twofactor.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/recovery-codes/", twofactor.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("measures.urls")),
    path("", include("plans.urls")),
]
