from django import forms
from django.utils import timezone

from plans.models import Action

from .models import RAG_DEFINITIONS, Rag


class UpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[(rag.value, rag.label) for rag in Rag],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status."},
    )
    reason = forms.CharField(
        label="Why has the status changed?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the status differs from the last update's.",
    )
    narrative = forms.CharField(
        label="Progress this month",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Describe the progress made."},
    )
    next_steps = forms.CharField(label="Next steps", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    risks = forms.CharField(label="Risks and issues", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_title = forms.CharField(label="Evidence title", required=False, max_length=200)
    evidence_file = forms.FileField(
        label="Evidence file", required=False, help_text="PDF, DOCX, XLSX, CSV, PNG or JPEG."
    )
    evidence_url = forms.URLField(
        label="Or a link to the evidence",
        required=False,
        assume_scheme="https",
        max_length=1000,
        widget=forms.URLInput(attrs={"class": "govuk-input", "spellcheck": "false"}),
    )
    evidence_date = forms.DateField(
        label="Date the evidence is from",
        required=False,
        help_text="For example, 31/12/2019. Leave empty for today.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(rag.value, f"{rag.label} – {RAG_DEFINITIONS[rag]}") for rag in Rag]

    def clean(self):
        data = super().clean()
        has_file, has_url = bool(data.get("evidence_file")), bool(data.get("evidence_url"))
        if has_file and has_url:
            self.add_error("evidence_url", "Add a file or a link, not both, with one update.")
        if (has_file or has_url) and not data.get("evidence_title", "").strip():
            self.add_error("evidence_title", "Give the evidence a title.")
        if data.get("evidence_title", "").strip() and not (has_file or has_url):
            self.add_error("evidence_file", "Choose a file or enter a link for this evidence.")
        if not data.get("evidence_date"):
            data["evidence_date"] = timezone.localdate()
        return data


class EvidenceForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Give the evidence a title."})
    file = forms.FileField(label="File", required=False, help_text="PDF, DOCX, XLSX, CSV, PNG or JPEG.")
    url = forms.URLField(
        label="Or a link",
        required=False,
        assume_scheme="https",
        max_length=1000,
        widget=forms.URLInput(attrs={"class": "govuk-input", "spellcheck": "false"}),
    )
    evidence_date = forms.DateField(
        label="Date the evidence is from",
        help_text="For example, 31/12/2019.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the date the evidence is from."},
    )

    def clean(self):
        data = super().clean()
        if "url" in self.errors:
            return data  # the link's own error says what is wrong
        if bool(data.get("file")) == bool(data.get("url")):
            self.add_error("file", "Choose a file or enter a link (one of them).")
        return data


class WithdrawEvidenceForm(forms.Form):
    reason = forms.CharField(
        label="Why is this evidence withdrawn?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the evidence is withdrawn."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseActionForm(forms.Form):
    closure_authority = forms.CharField(
        label="On whose authority is it closed?",
        max_length=300,
        help_text="For example, agreed at the board of 14 May 2020.",
        error_messages={"required": "Say on whose authority it is closed."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawActionForm(forms.Form):
    state_reason = forms.CharField(
        label="Why?", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Say why."}
    )
    superseded_by = forms.ModelChoiceField(
        label="Superseded by (optional)",
        queryset=Action.objects.none(),
        required=False,
        empty_label="Not superseded: withdrawn",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["superseded_by"].queryset = action.plan.actions.exclude(pk=action.pk).order_by("order")
        self.fields["superseded_by"].label_from_instance = lambda a: f"{a.reference} {a.description[:80]}"


class EditActionForm(forms.Form):
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    start_text = forms.CharField(label="Start (as written)", required=False, max_length=100)
    due_text = forms.CharField(
        label="By when (as written)",
        required=False,
        max_length=100,
        help_text='For example, "December 2019", "Ongoing" or "Quarterly from April 2019".',
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
