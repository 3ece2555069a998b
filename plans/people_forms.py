"""Forms for people and access: inviting, accepting an invitation, choosing who holds a role."""

from crispy_forms_gds.choices import Choice
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm

from .models import Membership

LEAD_ONLY = "lead"

PASSWORD_HINT = (
    "Use at least 12 characters. Avoid a common password, one made only of numbers, "
    "or one like your name or email address."
)


def person_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.email})" if user.email else name


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=150,  # it becomes the username, which is at most 150 characters
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address in the correct format, like name@example.org.",
        },
    )
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name."}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name."}
    )
    kind = forms.ChoiceField(
        label="What will they be in this plan?",
        widget=forms.RadioSelect,
        choices=[
            Choice(Membership.Kind.BOARD_MEMBER.value, "Board member", hint="Reads everything and changes nothing."),
            Choice(Membership.Kind.PLAN_MANAGER.value, "Plan manager", hint="Does everything in the plan."),
            Choice(LEAD_ONLY, "Lead only", hint="Updates the actions of the roles they hold, and reads the plan."),
        ],
        error_messages={"required": "Choose what they will be in this plan."},
    )
    roles = RoleChoiceField(
        label="Roles they will hold (optional)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Someone leads an action by holding one of its roles.",
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = plan.roles.order_by("title", "organisation")

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        return "" if kind == LEAD_ONLY else kind

    def clean(self):
        data = super().clean()
        if data.get("kind") == "" and not data.get("roles"):
            self.add_error("roles", "Choose at least one role for a lead to hold.")
        return data


class AcceptInvitationForm(SetPasswordForm):
    """Django's own checks (AUTH_PASSWORD_VALIDATORS, both entries alike) for an account not yet saved."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Create a password"
        self.fields["new_password1"].help_text = PASSWORD_HINT
        self.fields["new_password1"].error_messages["required"] = "Enter a password."
        self.fields["new_password2"].label = "Confirm your password"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Enter the password again."


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_label(obj)


class RoleHolderAddForm(forms.Form):
    user = PersonChoiceField(
        label="Choose someone in the plan",
        queryset=None,
        required=False,
        empty_label="Choose a person",
    )
    email = forms.EmailField(
        label="Or enter the email address of someone with an account",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people

    def clean(self):
        data = super().clean()
        chosen, email = data.get("user"), data.get("email")
        if self.errors:
            return data
        if chosen and email:
            self.add_error("email", "Choose a person or enter an email address, not both.")
        elif not chosen and not email:
            self.add_error("user", "Choose a person or enter the email address of someone with an account.")
        elif email:
            matches = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
            if not matches:
                self.add_error("email", "No one with an account has this email address. Invite them instead.")
            elif len(matches) > 1:
                self.add_error("email", "More than one account has this email address. Choose the person instead.")
            else:
                data["user"] = matches[0]
        return data
