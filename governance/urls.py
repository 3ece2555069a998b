from django.urls import path

from . import board_views, meeting_urls, pack_urls, views

app_name = "governance"

urlpatterns = [
    path("my-actions/", views.my_actions, name="my_actions"),
    path("plans/<slug:slug>/dashboard/", board_views.dashboard, name="dashboard"),
    path("plans/<slug:slug>/recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("plans/<slug:slug>/actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("plans/<slug:slug>/actions/<int:pk>/update/", views.update_submit, name="update_submit"),
    path("plans/<slug:slug>/actions/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("plans/<slug:slug>/actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("plans/<slug:slug>/actions/<int:pk>/close/", views.action_close, name="action_close"),
    path("plans/<slug:slug>/actions/<int:pk>/withdraw/", views.action_withdraw, name="action_withdraw"),
    path("plans/<slug:slug>/evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("plans/<slug:slug>/evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
]

urlpatterns += pack_urls.urlpatterns + meeting_urls.urlpatterns
