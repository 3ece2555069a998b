from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("plans/<slug:slug>/measures/", views.measure_list, name="measure_list"),
    path("plans/<slug:slug>/measures/import/", views.value_import, name="value_import"),
    path("plans/<slug:slug>/measures/import/<int:pk>/", views.value_import_preview, name="value_import_preview"),
    path("plans/<slug:slug>/measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("plans/<slug:slug>/measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("plans/<slug:slug>/measures/<int:pk>/values/new/", views.value_create, name="value_create"),
    path(
        "plans/<slug:slug>/measures/<int:pk>/comparators/new/",
        views.comparator_value_create,
        name="comparator_value_create",
    ),
]
