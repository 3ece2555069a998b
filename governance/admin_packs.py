"""Board packs in the admin: read-only. A pack never changes; a correction is a new version, issued
in the app with its reason."""

from django.contrib import admin

from plans.html import format_html

from .models import BoardPack
from .packs import pack_snapshot_check


@admin.register(BoardPack)
class BoardPackAdmin(admin.ModelAdmin):
    list_display = ["meeting", "version", "frozen_by", "frozen_at", "short_snapshot_sha256", "correction_reason"]
    list_filter = ["meeting__board__plan", "meeting__board"]
    list_select_related = ["meeting__board", "frozen_by"]
    search_fields = ["correction_reason", "snapshot_sha256", "pdf_sha256"]
    # The PDF's bytes and the snapshot's JSON are large: show their size and checksums instead.
    fields = [
        "meeting", "version", "frozen_by", "frozen_at", "correction_reason", "snapshot_sha256",
        "pdf_sha256", "pdf_size", "integrity",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting__board", "frozen_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="snapshot SHA-256")
    def short_snapshot_sha256(self, obj: BoardPack) -> str:
        return obj.snapshot_sha256[:12] + "…"

    @admin.display(description="PDF size")
    def pdf_size(self, obj: BoardPack) -> str:
        return f"{len(obj.pdf):,} bytes"

    @admin.display(description="integrity")
    def integrity(self, obj: BoardPack) -> str:
        check = pack_snapshot_check(obj)
        if check.ok:
            return "The snapshot and the PDF match their checksums."
        return format_html("<strong>{}</strong>", "A checksum does not match: the pack was altered outside the app.")
