from django.apps import AppConfig, apps


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import receivers

        user_logged_in.connect(receivers.signed_in, dispatch_uid="audit.signed_in")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="audit.sign_in_failed")
        if apps.is_installed("axes"):  # its signals module needs its models, so only when installed
            from axes.signals import user_locked_out

            user_locked_out.connect(receivers.locked_out, dispatch_uid="audit.locked_out")
