from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/import/", views.import_upload, name="import_upload"),
    path("plans/import/<int:pk>/", views.import_preview, name="import_preview"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:slug>/actions/", views.action_list, name="action_list"),
    path("plans/<slug:slug>/recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("plans/<slug:slug>/export.<str:fmt>", views.plan_export, name="plan_export"),
]
