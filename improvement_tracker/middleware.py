"""Small middleware for production hardening. None of it adds a query to an ordinary page: each reads
the session that the page loads anyway, and writes it only when something has to change."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import get_user
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY

from plans.twofactor import LAST_SEEN_AT, NEEDS_TWO_FACTOR, SIGNED_IN_AT, TwoFactorRequired

# A signed-in request refreshes "last seen" only when the stored time is older than this, so an
# ordinary page does not write the session.
LAST_SEEN_RESOLUTION_SECONDS = 60


class RefuseTraceMiddleware:
    """TRACE (and Microsoft's TRACK) echo the request back, cookies and all: refuse them outright."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("TRACE", "TRACK"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST", "OPTIONS"])
        return self.get_response(request)


def _signed_in(request) -> bool:
    """Whether the request's session (if the page read it at all) belongs to a signed-in user."""
    session = getattr(request, "session", None)
    return session is not None and session.accessed and SESSION_KEY in session


class NoStoreForSignedInMiddleware:
    """Signed-in pages are never kept by a browser or proxy cache (a shared computer, the back button)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            patch_cache_control(response, no_store=True)  # keeps what a view set, e.g. "private"
        return response


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class SessionTimeoutMiddleware:
    """Signs a session out after SESSION_IDLE_SECONDS without a request or SESSION_MAX_SECONDS after
    sign-in. The times are kept in the session, written at sign-in (plans.twofactor.record_sign_in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The health check and static files never read the session: keep it that way.
        if (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
            or request.path == "/healthz"
            or request.path.startswith(settings.STATIC_URL)
        ):
            return self.get_response(request)
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            # A session from before these times were kept: start its clocks now.
            session[SIGNED_IN_AT] = signed_in_at = now if signed_in_at is None else signed_in_at
            session[LAST_SEEN_AT] = last_seen_at = now
        if now - signed_in_at > settings.SESSION_MAX_SECONDS:
            hours = _plural(settings.SESSION_MAX_SECONDS // 3600, "hour")
            return self._sign_out(request, f"You have been signed out because you signed in more than {hours} ago.")
        if now - last_seen_at > settings.SESSION_IDLE_SECONDS:
            minutes = _plural(settings.SESSION_IDLE_SECONDS // 60, "minute")
            return self._sign_out(
                request, f"You have been signed out because you had not used the service for {minutes}."
            )
        if now - last_seen_at > LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_AT] = now
        return self.get_response(request)

    def _sign_out(self, request, message: str):
        logout(request)
        messages.info(request, f"{message} Sign in again to carry on.")
        url = reverse("login")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)


def _user_with_otp_flag(request):
    user = get_user(request)
    if user.is_authenticated:
        user.otp_verified = DEVICE_ID_SESSION_KEY in request.session
    return user


# Pages an unverified plan manager or superuser may still open: the two-factor pages and sign-out.
TWO_FACTOR_OPEN = {"logout", "two_factor", "two_factor_verify", "two_factor_setup"}


class TwoFactorMiddleware:
    """After a password sign-in, plan managers and superusers see nothing but the two-factor pages until
    they have given a code. "Needs two factors" is decided at sign-in and kept in the session; a session
    is verified once django-otp's device key is in it. Public pages (sign-in, health check) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Mark the user, when something loads it, with whether the session is verified: read by
        # plans.rules.plan_access, so that someone made a plan manager mid-session must verify too.
        request.user = SimpleLazyObject(lambda: _user_with_otp_flag(request))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        # LoginRequiredMiddleware (earlier) has loaded the user already: this costs no query.
        user = request.user
        if not user.is_authenticated:
            return None
        if user.otp_verified or request.resolver_match.url_name in TWO_FACTOR_OPEN:
            return None
        if request.session.get(NEEDS_TWO_FACTOR) or user.is_superuser:
            return self._to_two_factor(request)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, TwoFactorRequired):
            request.session[NEEDS_TWO_FACTOR] = True
            return self._to_two_factor(request)
        return None

    def _to_two_factor(self, request):
        url = reverse("two_factor_verify")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
