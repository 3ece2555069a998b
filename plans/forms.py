from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from . import formats


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label="Plan file",
        help_text="A JSON, CSV or XLSX file in the plan format. Templates are linked below.",
    )
    replace = forms.BooleanField(
        label="Replace the plan with the same slug if there is one",
        required=False,
        help_text="The existing plan and everything in it will be replaced.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if formats.guess_format(upload.name) is None:
            raise forms.ValidationError("Choose a file that ends in .json, .csv or .xlsx.")
        if upload.size > settings.PLAN_IMPORT_MAX_BYTES:
            limit = filesizeformat(settings.PLAN_IMPORT_MAX_BYTES)
            raise forms.ValidationError(f"The file must be {limit} or smaller.")
        if upload.size == 0:
            raise forms.ValidationError("The selected file is empty.")
        return upload


class ConfirmImportForm(forms.Form):
    decision = forms.ChoiceField(choices=[("import", "Import"), ("cancel", "Cancel")])
