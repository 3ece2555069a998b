"""Sign-in events, from Django's and django-axes' signals (the only events recorded from signals)."""

from django.contrib.auth import get_user_model

from .kinds import Kind
from .services import record


def _username(credentials: dict | None) -> str:
    # Django has already replaced the password in `credentials`; only the username is read.
    field = get_user_model().USERNAME_FIELD
    value = (credentials or {}).get(field) or (credentials or {}).get("username") or ""
    return str(value)


def signed_in(sender, request=None, user=None, **kwargs) -> None:
    record(kind=Kind.SIGN_IN, request=request, user=user)


def sign_in_failed(sender, credentials=None, request=None, **kwargs) -> None:
    record(kind=Kind.SIGN_IN_FAILED, request=request, username=_username(credentials))


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    record(kind=Kind.LOCKOUT, request=request, username=str(username or ""), ip=ip_address)
