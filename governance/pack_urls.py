"""Board packs and exports (added to governance.urls)."""

urlpatterns: list = []
