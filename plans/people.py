"""People and access, per plan: who is in it, who holds its roles, invitations, and accepting one."""

from smtplib import SMTPException

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .models import Invitation, Membership, Plan, Role, RoleHolder
from .people_forms import AcceptInvitationForm, InviteForm, RoleHolderAddForm
from .permissions import get_in_plan_or_404, get_plan_for


def _crumbs(plan: Plan, *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    people_url = reverse("plans:people", args=[plan.slug])
    return [(plan.title, plan.get_absolute_url()), ("People", people_url if more else None), *more]


def _posted(request: HttpRequest):
    """The submitted data, or None for a GET (an empty POST still binds the form and shows its errors)."""
    return request.POST if request.method == "POST" else None


def _apply_validation_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _holders_prefetch() -> Prefetch:
    return Prefetch("holders", queryset=RoleHolder.objects.select_related("user").order_by("since", "pk"))


def _split_holders(role: Role) -> Role:
    holders = list(role.holders.all())
    role.current_holders = [h for h in holders if h.until is None]
    role.past_holders = sorted((h for h in holders if h.until is not None), key=lambda h: h.until, reverse=True)
    return role


def plan_people(plan: Plan):
    """Everyone who can be given a role: members, current role holders, and invited people who accepted."""
    accepted = Invitation.objects.filter(plan=plan, accepted_by__isnull=False).values("accepted_by")
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__plan=plan)
            | Q(held_roles__role__plan=plan, held_roles__until__isnull=True)
            | Q(pk__in=accepted),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@require_GET
def people(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug)
    can_manage = request.user.has_perm("plans.manage_plan", plan)
    members = list(plan.memberships.select_related("user").order_by("kind", "user__last_name", "user__first_name"))
    roles = [_split_holders(role) for role in plan.roles.prefetch_related(_holders_prefetch()).order_by("title")]
    past = sorted(
        ((role, holder) for role in roles for holder in role.past_holders),
        key=lambda item: (item[1].until, item[0].title),
        reverse=True,
    )
    pending = []
    if can_manage:
        pending = list(
            plan.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("invited_by")
            .prefetch_related("roles")
            .order_by("-created_at")
        )
    return render(
        request,
        "plans/people.html",
        {
            "plan": plan,
            "nav": "plans",
            "crumbs": _crumbs(plan),
            "members": members,
            "roles": roles,
            "past": past,
            "pending": pending,
            "can_manage": can_manage,
        },
    )


@require_http_methods(["GET", "POST"])
def membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    membership = get_in_plan_or_404(request, plan, Membership.objects.select_related("user"), plan=plan, pk=pk)
    name = membership.user.get_full_name() or membership.user.get_username()
    held = RoleHolder.objects.filter(user=membership.user, role__plan=plan, until__isnull=True).select_related("role")
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{name} is no longer a {membership.get_kind_display().lower()} of this plan.")
            if membership.user_id == request.user.pk:
                return redirect("plans:home")  # they may no longer see the plan
            return redirect("plans:people", slug=plan.slug)
    return render(
        request,
        "plans/people_remove.html",
        {
            "plan": plan,
            "nav": "plans",
            "crumbs": _crumbs(plan, (f"Remove {name}", None)),
            "membership": membership,
            "name": name,
            "held": list(held),
            "error": error,
        },
    )


@require_http_methods(["GET", "POST"])
def role_holders(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    role = get_in_plan_or_404(request, plan, Role.objects.prefetch_related(_holders_prefetch()), plan=plan, pk=pk)
    form = RoleHolderAddForm(_posted(request), people=plan_people(plan))
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        try:
            services.role_holder_add(role=role, user=user, by=request.user)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, f"{user.get_full_name() or user.get_username()} now holds this role.")
            return redirect("plans:role_holders", slug=plan.slug, pk=role.pk)
    _split_holders(role)
    return render(
        request,
        "plans/people_role_holders.html",
        {
            "plan": plan,
            "nav": "plans",
            "crumbs": _crumbs(plan, (str(role), None)),
            "role": role,
            "form": form,
        },
    )


@require_POST
def role_holder_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    holders = RoleHolder.objects.select_related("user", "role")
    holder = get_in_plan_or_404(request, plan, holders, role__plan=plan, pk=pk)
    name = holder.user.get_full_name() or holder.user.get_username()
    try:
        services.role_holder_end(holder=holder, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{name} no longer holds this role. They stay in its past holders.")
    return redirect("plans:role_holders", slug=plan.slug, pk=holder.role_id)


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_plan_for(request, slug, "plans.manage_plan")
    form = InviteForm(_posted(request), plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invitation_create(
                plan=plan,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                kind=data["kind"],
                roles=data["roles"],
                by=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        except (SMTPException, OSError):
            form.add_error(None, "The invitation email could not be sent, so nothing was saved. Try again later.")
        else:
            messages.success(request, f"An invitation was sent to {invitation.email}.")
            return redirect("plans:people", slug=plan.slug)
    return render(
        request,
        "plans/people_invite.html",
        {
            "plan": plan,
            "nav": "plans",
            "crumbs": _crumbs(plan, ("Invite someone", None)),
            "form": form,
            "invitation_days": settings.INVITATION_DAYS,
        },
    )


def _invitation_unusable(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/invitation_invalid.html", status=404)


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_find(token)
    if invitation is None:
        return _invitation_unusable(request)
    existing = services.invitation_existing_user(invitation)
    form = None
    if existing is None:
        unsaved = get_user_model()(
            username=invitation.email,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        form = AcceptInvitationForm(unsaved, _posted(request))
    if request.method == "POST" and (form is None or form.is_valid()):
        password = form.cleaned_data["new_password1"] if form is not None else None
        try:
            user, created = services.invitation_accept(invitation=invitation, password=password)
        except services.InvitationUnusable:
            return _invitation_unusable(request)
        except ValueError:  # the account went away between the page and the click: ask for a password
            return redirect(request.path)
        plan_url = invitation.plan.get_absolute_url()
        # Only an account made here, with the password just chosen, is signed in: never an existing one.
        if created:
            login(request, user, backend="plans.backends.ModelBackend")
            messages.success(request, f"Welcome. You have joined {invitation.plan.title}.")
            return redirect(plan_url)
        if request.user.is_authenticated and request.user.pk == user.pk:
            messages.success(request, f"You have joined {invitation.plan.title}.")
            return redirect(plan_url)
        messages.success(request, f"You have joined {invitation.plan.title}. Sign in to see it.")
        return redirect(f"{reverse('login')}?{urlencode({'next': plan_url})}")
    return render(
        request,
        "plans/invitation_accept.html",
        {"invitation": invitation, "existing": existing, "form": form},
    )
