"""Serializers of the certification API: monthly certificate figures, one grid cell a row."""

from __future__ import annotations

from rest_framework import serializers

from targets.api.figures import FigureSerializer

from ..forms import CERTIFICATE_GRID
from ..models import CertificateFigure


class CertificateFigureSerializer(FigureSerializer):
    """A cell of the monthly certificate report. The key is (org_unit, department, period,
    occupation, industry, certificate_type, level); POSTing the same key again replaces the
    count. Certificate types without levels (专项职业能力, 特种作业 …) take the level 无等级."""

    spec = CERTIFICATE_GRID
    slice_fields = ("occupation", "industry")

    occupation = serializers.CharField(max_length=60, allow_blank=True, required=False,
                                       default="")
    industry = serializers.CharField(allow_blank=True, required=False, default="", max_length=40,
                                     help_text="A value of the option set `industry` (#26).")

    class Meta:
        model = CertificateFigure
        fields = ["id", "org_unit", "org_unit_detail", "department", "period",
                  "certificate_type", "level", "occupation", "industry", "count", "entered_by",
                  "is_demo", "updated_at", "warnings"]
        read_only_fields = ["is_demo", "updated_at"]
        validators = []  # the cell key is an upsert key, not a uniqueness error
