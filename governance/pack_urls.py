"""Board packs and exports (added to governance.urls)."""

from django.urls import path

from . import pack_views

urlpatterns: list = [
    path("plans/<slug:slug>/board/<int:board_pk>/papers/", pack_views.board_packs, name="board_packs"),
    path("plans/<slug:slug>/meetings/<int:meeting_pk>/papers/", pack_views.meeting_packs, name="meeting_packs"),
    path("plans/<slug:slug>/meetings/<int:meeting_pk>/issue-papers/", pack_views.pack_issue, name="pack_issue"),
    path("plans/<slug:slug>/packs/<int:pk>/", pack_views.pack_detail, name="pack_detail"),
    path("plans/<slug:slug>/packs/<int:pk>/download/<str:fmt>/", pack_views.pack_download, name="pack_download"),
    path("plans/<slug:slug>/dashboard/download/<str:fmt>/", pack_views.dashboard_download, name="dashboard_download"),
]
