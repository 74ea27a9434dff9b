from django import forms
from django.utils.translation import gettext_lazy as _

from org.access import WRITE_ROLES, Scope
from skills_portal.choice_search import searchable
from targets.models import Indicator, Plan

from .choices import ValueBasis
from .kinds import GROUPS, QUOTA, TARGETS, titles


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"))
    basis = forms.ChoiceField(label=_("Values are"), choices=ValueBasis.choices,
                              initial=ValueBasis.MONTH, widget=forms.RadioSelect, required=False,
                              help_text=_("For monthly reports."))
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None, required=False,
                                  help_text=_("For a quota table: the plan whose targets it "
                                              "decomposes."))
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None, required=False,
                                       help_text=_("For a quota table whose value column is not "
                                                   "headed by an indicator name."))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100,
                              help_text=_("For a quota table of a plan with yearly targets."))
    file = forms.FileField(label=_("Excel, WPS or CSV file (.xlsx, .xls, .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.txt"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        plans = Plan.objects.for_user(user, "change").filter(is_reference=False).order_by("code")
        self.fields["plan"].queryset = plans
        searchable(self.fields["plan"], "changeable_plan")
        self.fields["indicator"].queryset = Indicator.objects.for_user(user).order_by("code")
        # A quota table or a plan's targets are offered only to those who may change a plan
        # (a county clerk is not offered an upload that would then be refused).
        may_plan = plans.exists()
        # Group memberships: to the administrators who keep them (those of some unit).
        may_group = Scope.of(user).has_role(WRITE_ROLES["structure"])
        self.fields["kind"].choices = [(k, t) for k, t in titles()
                                       if (may_plan or k not in (QUOTA, TARGETS))
                                       and (may_group or k != GROUPS)]
        figures = " ".join(k for k, _t in titles() if k not in (QUOTA, TARGETS, GROUPS))
        # Which kinds of upload each field serves (the page hides the others).
        self.kinds_of_field = {"basis": figures, "plan": QUOTA, "indicator": QUOTA, "year": QUOTA}

    def clean(self):
        data = super().clean()
        data["basis"] = data.get("basis") or ValueBasis.MONTH  # hidden for other kinds
        if data.get("kind") == QUOTA and not data.get("plan"):
            self.add_error("plan", _("Choose the plan whose targets the table decomposes."))
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        if data.get("kind") != QUOTA:
            return {}
        return {"plan": data["plan"].pk,
                "indicator": data["indicator"].pk if data.get("indicator") else None,
                "year": data.get("year")}
