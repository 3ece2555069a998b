"""Boards, meetings, decisions, challenges, reminders and the data feed (added to governance.urls)."""

urlpatterns: list = []
