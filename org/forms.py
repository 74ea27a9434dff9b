"""Form pieces shared by the apps' entry forms and admin pages."""

from __future__ import annotations

from django import forms

from . import options


def use_option_choices(form: forms.ModelForm, month=None) -> None:
    """Offer the option sets' values (#26) for the fields of the form's model that store them
    (`Model.OPTION_SETS`): the values in use in `month` (today when None), and the record's own
    value even when retired, so an old record still opens and saves as it was."""
    for field, code in getattr(form._meta.model, "OPTION_SETS", {}).items():
        if field not in form.fields:
            continue
        old = form.fields[field]
        with options.as_of(month):
            choices = list(options.choices(code))
        current = getattr(form.instance, field, "")
        if current and current not in {value for value, _label in choices}:
            choices.append((current, options.label(code, current)))
        form.fields[field] = forms.ChoiceField(
            label=old.label, required=old.required, help_text=old.help_text,
            choices=[("", "---------"), *choices], widget=forms.Select)


class OptionChoicesForm(forms.ModelForm):
    """A model form whose option-set fields offer the sets' current values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_option_choices(self)
