from django import forms
from django.utils.translation import gettext_lazy as _

from org import options
from org.forms import use_option_choices
from org.selectors import writable_departments, writable_units
from skills_portal.choice_search import searchable
from targets.grid import Axis, Block, GridSpec

from .models import TrainingCarrier, TrainingFigure

TRAINING_GRID = GridSpec(
    model=TrainingFigure,
    app="training",
    # Option sets (#26): a value an administrator adds is a row or column of the next page.
    rows=Axis("target_group", "培训对象", options.choices("target_group")),
    cols=Axis("training_type", "培训类型", options.choices("training_type")),
    blocks=(
        Block("trained", "培训人次"),
        Block("persons", "其中：新入训人数"),
        Block("completed", "结业人次"),
        Block("certified", "培训后取证人次"),
    ),
    ordering=(("persons", "trained"), ("completed", "trained"), ("certified", "completed")),
)


class TrainingCarrierForm(forms.ModelForm):
    class Meta:
        model = TrainingCarrier
        fields = ["name", "carrier_type", "level", "org_unit", "department", "established_on",
                  "closed_on", "note"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}),
                   "closed_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"org_unit": _("Org unit")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        use_option_choices(self, self.instance.established_on)
        self.fields["org_unit"].queryset = writable_units(user).order_by("level", "code", "name")
        searchable(self.fields["org_unit"], "writable_unit")
        self.fields["department"].queryset = writable_departments(user)
