from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from .kinds import Kind


class AuditEventQuerySet(models.QuerySet):
    def for_plan(self, plan_id: int) -> "AuditEventQuerySet":
        return self.filter(plan_id=plan_id)

    def newest_first(self) -> "AuditEventQuerySet":
        return self.order_by("-at", "-pk")

    def search(self, word: str) -> "AuditEventQuerySet":
        return self.filter(
            models.Q(username__icontains=word)
            | models.Q(object_repr__icontains=word)
            | models.Q(object_type__icontains=word)
            | models.Q(object_id=word)
            | models.Q(old__icontains=word)
            | models.Q(new__icontains=word)
        )


class AuditEvent(models.Model):
    """One thing that happened. Written once by `audit.record` and never changed or deleted.

    The plan is kept as its id and slug, not a foreign key: the audit app depends on no other app,
    and an entry outlives whatever it is about.
    """

    Kind = Kind

    at = models.DateTimeField(db_default=Now(), db_index=True, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written: for a failed sign-in (no user) and after the user is deleted.
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="IP address")
    plan_id = models.IntegerField(null=True, blank=True)
    plan_slug = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True, verbose_name="object")
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["plan_id", "at"], name="audit_plan_at")]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.username or 'nobody signed in'}"
