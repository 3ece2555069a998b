"""Two-factor sign-in (django-otp) for plan managers and superusers, and what is kept at sign-in.

After their password, a plan manager (a plan_manager Membership in any plan) or a superuser sets up
an authenticator app (a TOTP device: scan the QR code or type the key, then confirm with a code) or
gives a code from it, before any other page (improvement_tracker.middleware.TwoFactorMiddleware).
Ten single-use recovery codes (a static device) are shown once at set-up and can be replaced.

Whether someone needs two factors is decided once, at sign-in, and kept in the session, so ordinary
pages ask the database nothing; a session is verified once django-otp's device key is in it.
"""

import base64
import logging
import time
from io import BytesIO

from axes.signals import user_locked_out
from django import forms
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

logger = logging.getLogger("tracker.security")

# Session keys written at sign-in (read by improvement_tracker.middleware).
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
NEEDS_TWO_FACTOR = "needs_two_factor"
FRESH_CODES = "two_factor_fresh_codes"
AFTER_CODES = "two_factor_next"
RECOVERY_CODE_COUNT = 10


class TwoFactorRequired(Exception):  # noqa: N818 (a condition, not an error)
    """Raised where a plan's access is read, for a plan manager whose session is not verified; the
    middleware (the only thing that marks a session unverified) turns it into a redirect to the two-factor
    page. Not a PermissionDenied: Django's has_perm would swallow that as a plain "no"."""


def needs_two_factor(user) -> bool:
    from .models import Membership

    return user.is_superuser or Membership.objects.filter(user=user, kind=Membership.Kind.PLAN_MANAGER).exists()


@receiver(user_logged_in, dispatch_uid="tracker_record_sign_in")
def record_sign_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[NEEDS_TWO_FACTOR] = needs_two_factor(user)


@receiver(user_locked_out, dispatch_uid="tracker_log_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    logger.warning("Sign-in locked out: username %r from %s after too many failed attempts", username, ip_address)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): a page, 429 Too Many Requests."""
    from django.conf import settings

    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "429.html", context, status=429)


# --- Devices -------------------------------------------------------------------------------------


def _totp_device(user, *, confirmed: bool):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones, and return them (shown once)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG: no image request, nothing the Content Security Policy blocks."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    label = '<svg role="img" aria-label="QR code for your authenticator app" '
    return svg[svg.index("<svg") :].replace("<svg ", label, 1)


def _grouped_key(device) -> str:
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _mark_verified(request: HttpRequest, device) -> None:
    from django_otp import login as otp_login

    request.session.cycle_key()  # a new session key for the stronger sign-in
    otp_login(request, device)
    request.session[NEEDS_TWO_FACTOR] = True
    request.user.otp_verified = True


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("plans:home")


# --- Forms ---------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def __init__(self, *args, user, device=None, allow_recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.device, self.allow_recovery = user, device, allow_recovery
        if allow_recovery:
            self.fields["code"].help_text = "The 6-digit code your authenticator app shows now, or a recovery code."
            self.fields["code"].error_messages["required"] = (
                "Enter the code from your authenticator app or a recovery code"
            )
        else:
            self.fields["code"].help_text = "The 6-digit code your authenticator app shows now."

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).lower()
        # An authenticator's code is six digits; a recovery code is eight letters and digits.
        is_app_code = len(code) == 6 and code.isdigit()
        devices = [self.device] if self.device and is_app_code else []
        if self.allow_recovery and not is_app_code:
            from django_otp.plugins.otp_static.models import StaticDevice

            devices += list(StaticDevice.objects.filter(user=self.user, confirmed=True))
        throttled = False
        with transaction.atomic():
            for device in devices:
                allowed, _ = device.verify_is_allowed()
                if not allowed:
                    throttled = True
                    continue
                if device.verify_token(code):
                    self.verified_device = device
                    return code
        if throttled:
            raise forms.ValidationError("You have entered too many wrong codes. Wait a minute, then try again.")
        if self.allow_recovery:
            raise forms.ValidationError(
                "The code is not correct. Enter the code your authenticator app shows now, or an unused recovery code."
            )
        raise forms.ValidationError("The code is not correct. Enter the code your authenticator app shows now.")


# --- Views ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Your two-factor sign-in: whether it is set up, and how many recovery codes are left."""
    from django_otp.plugins.otp_static.models import StaticToken

    device = _totp_device(request.user, confirmed=True)
    codes_left = StaticToken.objects.filter(device__user=request.user).count() if device else 0
    return render(
        request,
        "twofactor/status.html",
        {"device": device, "codes_left": codes_left, "required": request.session.get(NEEDS_TWO_FACTOR, False)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if _totp_device(request.user, confirmed=True):
        return redirect("two_factor")
    # The same unconfirmed device (and key) until it is confirmed, so a reload does not change the key.
    device = _totp_device(request.user, confirmed=False) or TOTPDevice.objects.create(
        user=request.user, name="Authenticator app", confirmed=False
    )
    form = CodeForm(request.POST or None, user=request.user, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session[FRESH_CODES] = new_recovery_codes(request.user)
        request.session[AFTER_CODES] = _next_url(request)
        _mark_verified(request, device)
        logger.info("Two-factor sign-in set up by user %s", request.user.pk)
        return redirect("two_factor_recovery_codes")
    return render(
        request,
        "twofactor/setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "key": _grouped_key(device), "next": _next_url(request)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    device = _totp_device(request.user, confirmed=True)
    if device is None:
        url = reverse("two_factor_setup")
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    form = CodeForm(request.POST or None, user=request.user, device=device, allow_recovery=True)
    if request.method == "POST" and form.is_valid():
        _mark_verified(request, form.verified_device)
        return redirect(_next_url(request))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET shows new recovery codes once (after set-up or replacing them); POST replaces them."""
    if request.method == "POST":
        return _replace_recovery_codes(request)
    codes = request.session.pop(FRESH_CODES, None)
    if not codes:
        return redirect("two_factor")
    after = request.session.pop(AFTER_CODES, None) or reverse("two_factor")
    return render(request, "twofactor/recovery_codes.html", {"codes": codes, "after": after})


def _replace_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "otp_verified", False) or not _totp_device(request.user, confirmed=True):
        return redirect("two_factor_verify")
    request.session[FRESH_CODES] = new_recovery_codes(request.user)
    request.session[AFTER_CODES] = reverse("two_factor")
    logger.info("Recovery codes replaced by user %s", request.user.pk)
    return redirect("two_factor_recovery_codes")
