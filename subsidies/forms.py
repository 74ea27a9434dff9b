"""Forms of the subsidies pages. Choices are limited to what the user may see or write; the
services check everything again when saving."""

from django import forms
from django.utils.translation import gettext_lazy as _

from competitions.models import Award
from org.access import CHANGE
from org.forms import use_option_choices
from org.selectors import writable_units
from skills_portal.choice_search import SearchSelect, searchable

from . import selectors
from .choices import RuleKind
from .models import (
    BASIS_FIELDS,
    Hire,
    PersonCertificate,
    StartupProject,
    TrainingRecord,
    Voucher,
)


def certificate_label(c) -> str:
    """A certificate as a hire form lists it: who, what, which certificate."""
    return f"{c.person_name} · {c.occupation} {c.level} · {c.certificate_number}"

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class ClaimForm(forms.Form):
    """A claim entered by hand: the scheme and the one record it pays."""

    scheme = forms.ModelChoiceField(queryset=None, label=_("Scheme"))
    award = forms.ModelChoiceField(queryset=None, required=False, label=_("Award or honour"),
                                   widget=SearchSelect("award"))
    certificate = forms.ModelChoiceField(queryset=None, required=False,
                                         label=_("Certificate holder record"),
                                         widget=SearchSelect("certificate"))
    hire = forms.ModelChoiceField(queryset=None, required=False,
                                  label=_("Hire of a certified person"),
                                  widget=SearchSelect("hire"))
    project = forms.ModelChoiceField(queryset=None, required=False,
                                     label=_("Start-up project"),
                                     widget=SearchSelect("project"))
    training = forms.ModelChoiceField(queryset=None, required=False,
                                      label=_("Training attendance record"),
                                      widget=SearchSelect("training"))
    period = forms.DateField(required=False, label=_("Month (monthly allowances)"),
                             input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH_WIDGET)
    amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0,
                                label=_("Amount decided (range grants only)"))
    note = forms.CharField(required=False, label=_("Note"),
                           widget=forms.Textarea(attrs={"rows": 2}))

    # Vouchers are claimed when redeemed, never by hand.
    BASIS = tuple(name for name in BASIS_FIELDS if name != "voucher")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["scheme"].queryset = selectors.writable_schemes(user).exclude(
            rule_kind=RuleKind.TRAINING_BY_LEVEL).order_by("plan__code", "code")
        self.fields["award"].queryset = Award.objects.for_user(user, CHANGE).select_related(
            "competition").order_by("-awarded_on")
        self.fields["certificate"].queryset = PersonCertificate.objects.for_user(
            user, CHANGE).order_by("-issued_on")
        self.fields["hire"].queryset = Hire.objects.for_user(user, CHANGE).select_related(
            "certificate").order_by("-hired_on")
        self.fields["project"].queryset = StartupProject.objects.for_user(
            user, CHANGE).order_by("-started_on")
        self.fields["training"].queryset = TrainingRecord.objects.for_user(
            user, CHANGE).order_by("-ended_on")

    def clean(self):
        data = super().clean()
        chosen = [name for name in self.BASIS if data.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose exactly one record for the claim to pay: an "
                                          "award, a certificate holder, a hire or a project."))
        if data.get("period"):
            data["period"] = data["period"].replace(day=1)
        return data

    def basis(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.BASIS
                if self.cleaned_data.get(name)}


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)
    reference = forms.CharField(label=_("Payment voucher number"), max_length=60,
                                required=False)


class VoucherIssueForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = ["scheme", "org_unit", "person_name", "id_number", "occupation", "issued_on",
                  "expires_on"]
        widgets = {"issued_on": DATE_WIDGET, "expires_on": DATE_WIDGET,
                   "id_number": forms.TextInput(attrs={"autocomplete": "off",
                                                       "spellcheck": "false"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["scheme"].queryset = selectors.writable_schemes(user).filter(
            rule_kind=RuleKind.TRAINING_BY_LEVEL)
        self.fields["org_unit"].queryset = writable_units(user).order_by("level", "code", "name")
        searchable(self.fields["org_unit"], "writable_unit")


class VoucherStepForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    institution = forms.CharField(label=_("Training institution"), max_length=200,
                                  required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=60,
                                         required=False)


class PersonalRecordForm(forms.ModelForm):
    """A record naming a person: someone who may only see the number masked (a unit above the
    record's own) is never sent it; an empty answer keeps the stored number."""

    id_field = "id_number"

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        use_option_choices(self)  # 证书类型, 技能等级 … (#26)
        self.fields["org_unit"].queryset = writable_units(user).order_by("level", "code", "name")
        searchable(self.fields["org_unit"], "writable_unit")
        field = self.fields[self.id_field]
        field.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        instance = self.instance
        stored = getattr(instance, self.id_field, "")
        self.keeps_hidden_id = bool(instance.pk and stored and not instance.may_see_full_id(user))
        if self.keeps_hidden_id:
            self.initial[self.id_field] = ""
            field.required = False
            field.widget.attrs["placeholder"] = instance.masked_id_number
            field.help_text = _("The number on record is shown masked. Leave this empty to keep "
                                "it, or type the full number to replace it.")

    def _clean_id(self):
        value = self.cleaned_data.get(self.id_field, "")
        if not value and self.keeps_hidden_id:
            return getattr(self.instance, self.id_field)
        return value


class PersonCertificateForm(PersonalRecordForm):
    class Meta:
        model = PersonCertificate
        fields = ["org_unit", "person_name", "id_number", "certificate_type", "level",
                  "occupation", "certificate_number", "issued_on", "employer",
                  "allowance_starts_on", "allowance_ends_on"]
        widgets = {"issued_on": DATE_WIDGET, "allowance_starts_on": DATE_WIDGET,
                   "allowance_ends_on": DATE_WIDGET}

    def clean_id_number(self):
        return self._clean_id()


class StartupProjectForm(PersonalRecordForm):
    id_field = "founder_id_number"

    class Meta:
        model = StartupProject
        fields = ["org_unit", "name", "founder_name", "founder_id_number", "enterprise_name",
                  "enterprise_code", "started_on", "note"]
        widgets = {"started_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def clean_founder_id_number(self):
        return self._clean_id()


class HireForm(forms.ModelForm):
    class Meta:
        model = Hire
        fields = ["org_unit", "enterprise_name", "enterprise_code", "is_sme", "certificate",
                  "hired_on", "left_on", "insured_months"]
        widgets = {"hired_on": DATE_WIDGET, "left_on": DATE_WIDGET}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org_unit"].queryset = writable_units(user).order_by("level", "code", "name")
        searchable(self.fields["org_unit"], "writable_unit")
        self.fields["certificate"].queryset = PersonCertificate.objects.for_user(
            user).order_by("person_name", "-issued_on")
        self.fields["certificate"].label_from_instance = certificate_label
        searchable(self.fields["certificate"], "held_certificate")
