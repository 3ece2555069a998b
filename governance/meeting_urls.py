"""Boards, meetings, decisions, challenges, reminders and the data feed (added to governance.urls)."""

from django.urls import path

from . import meeting_views as views

urlpatterns = [
    # The board and its meetings
    path("plans/<slug:slug>/board/", views.board, name="board"),
    path("plans/<slug:slug>/board/<int:pk>/", views.board_detail, name="board_detail"),
    path("plans/<slug:slug>/board/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("plans/<slug:slug>/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("plans/<slug:slug>/meetings/<int:pk>/edit/", views.meeting_update, name="meeting_update"),
    path("plans/<slug:slug>/meetings/<int:pk>/decisions/new/", views.decision_add, name="decision_add"),
    path("plans/<slug:slug>/decisions/<int:pk>/status/", views.decision_set_status, name="decision_set_status"),
    # Challenges on an action
    path("plans/<slug:slug>/actions/<int:pk>/challenges/new/", views.challenge_raise, name="challenge_raise"),
    path("plans/<slug:slug>/challenges/<int:pk>/respond/", views.challenge_respond, name="challenge_respond"),
    path("plans/<slug:slug>/challenges/<int:pk>/close/", views.challenge_close, name="challenge_close"),
    # Reminding an action's leads
    path("plans/<slug:slug>/actions/<int:pk>/remind/", views.action_remind, name="action_remind"),
    # The data feed and its tokens
    path("plans/<slug:slug>/feed-tokens/", views.feed_tokens, name="feed_tokens"),
    path("plans/<slug:slug>/feed-tokens/<int:pk>/revoke/", views.feed_token_revoke, name="feed_token_revoke"),
    path("plans/<slug:slug>/feed.json", views.plan_feed_json, name="plan_feed_json"),
    path("plans/<slug:slug>/feed.csv", views.plan_feed_csv, name="plan_feed_csv"),
    path("plans/<slug:slug>/packs/<int:pk>/feed.json", views.pack_feed_json, name="pack_feed_json"),
    path("plans/<slug:slug>/packs/<int:pk>/feed.csv", views.pack_feed_csv, name="pack_feed_csv"),
]
