from django.db import models


class Kind(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKOUT = "lockout", "Locked out"
    FORBIDDEN = "forbidden", "Refused (403)"
    NOT_FOUND = "not_found", "Not found (404)"
    STATUS_CHANGE = "status_change", "Status changed"
    EVIDENCE_UPLOAD = "evidence_upload", "Evidence added"
    EVIDENCE_DOWNLOAD = "evidence_download", "Evidence downloaded"
    EVIDENCE_WITHDRAW = "evidence_withdraw", "Evidence withdrawn"
    MEMBERSHIP_CHANGE = "membership_change", "Membership changed"
    ROLE_CHANGE = "role_change", "Role holder changed"
