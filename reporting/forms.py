"""Forms of the reporting pages: only input shapes; the rules are in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

ACTIONS = ("submit", "return", "approve", "unapprove", "comment")


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    zero_report = forms.BooleanField(
        label=_("No new figures this month (zero report)"), required=False,
        help_text=_("Confirm that the unit has no figures to report this month."))
    override_reason = forms.CharField(label=_("Reason to approve before the units below"),
                                      required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}))
