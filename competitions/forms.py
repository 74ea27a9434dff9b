"""Entry forms. Every choice of org unit, department or competition is limited to what the
user may write or link to; the services check the scope again when saving."""

from django import forms
from django.utils.translation import gettext_lazy as _

from org.forms import use_option_choices
from org.selectors import writable_departments, writable_units
from skills_portal.choice_search import searchable

from . import selectors
from .models import Award, Competition

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CompetitionForm(forms.ModelForm):
    class Meta:
        model = Competition
        fields = ["name", "level", "organiser_unit", "organiser_department", "start_date",
                  "end_date", "occupations", "participants", "note"]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        use_option_choices(self, self.instance.start_date)  # 竞赛级别 (#26)
        self.fields["organiser_unit"].queryset = writable_units(user).order_by(
            "level", "code", "name"
        )
        searchable(self.fields["organiser_unit"], "writable_unit")
        self.fields["organiser_department"].queryset = writable_departments(user)


class AwardForm(forms.ModelForm):
    class Meta:
        model = Award
        fields = ["competition", "medal", "honour_title", "honour_level", "recipient_kind",
                  "recipient_name", "recipient_id_number", "employer", "org_unit", "department",
                  "awarded_on", "note"]
        widgets = {
            "awarded_on": DATE_WIDGET,
            "note": forms.Textarea(attrs={"rows": 3}),
            "recipient_id_number": forms.TextInput(attrs={"autocomplete": "off",
                                                          "spellcheck": "false"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        use_option_choices(self, self.instance.awarded_on)  # 奖项, 荣誉称号, 荣誉级别 (#26)
        self.fields["competition"].queryset = selectors.linkable_competitions(user)
        searchable(self.fields["competition"], "competition")
        self.fields["org_unit"].queryset = writable_units(user).order_by(
            "level", "code", "name"
        )
        searchable(self.fields["org_unit"], "writable_unit")
        self.fields["department"].queryset = writable_departments(user)
        # Someone who may only see the number masked (a reviewer above the recipient's unit)
        # is never sent it: the field starts empty and an empty answer keeps the stored number.
        instance = self.instance
        self.keeps_hidden_id = bool(
            instance.pk and instance.recipient_id_number and not instance.may_see_full_id(user)
        )
        if self.keeps_hidden_id:
            field = self.fields["recipient_id_number"]
            self.initial["recipient_id_number"] = ""
            field.widget.attrs["placeholder"] = instance.masked_id_number
            field.help_text = _("The number on record is shown masked. Leave this empty to keep "
                                "it, or type the full number to replace it.")

    def clean_recipient_id_number(self):
        value = self.cleaned_data.get("recipient_id_number", "")
        if not value and self.keeps_hidden_id:
            return self.instance.recipient_id_number
        return value
