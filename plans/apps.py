from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        from . import versioning

        versioning.connect()
        # Sign-in bookkeeping (two-factor need, session clocks) and lockout logging.
        from . import twofactor  # noqa: F401
