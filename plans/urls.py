from django.urls import path

from . import audit_log, people, views

app_name = "plans"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/import/", views.import_upload, name="import_upload"),
    path("plans/import/<int:pk>/", views.import_preview, name="import_preview"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:slug>/actions/", views.action_list, name="action_list"),
    path("plans/<slug:slug>/export.<str:fmt>", views.plan_export, name="plan_export"),
    # People and access
    path("plans/<slug:slug>/people/", people.people, name="people"),
    path("plans/<slug:slug>/people/invite/", people.invite, name="invite"),
    path("plans/<slug:slug>/people/<int:pk>/remove/", people.membership_remove, name="membership_remove"),
    path("plans/<slug:slug>/roles/<int:pk>/", people.role_holders, name="role_holders"),
    path("plans/<slug:slug>/role-holders/<int:pk>/end/", people.role_holder_end, name="role_holder_end"),
    path("plans/<slug:slug>/audit/", audit_log.audit_log, name="audit_log"),
    path("plans/<slug:slug>/audit/audit-log.csv", audit_log.audit_log_csv, name="audit_log_csv"),
    path("invitations/<str:token>/", people.invitation_accept, name="invitation_accept"),
]
