"""The certification app's figures in Excel: the long import layout derived from the grid."""

from import_export import widgets
from import_export.fields import Field

from org import options
from skills_portal.exporting import SafeResource
from targets.layouts import Column, FigureLayout

from .forms import CERTIFICATE_GRID
from .models import CertificateFigure

CERTIFICATE_IMPORT = FigureLayout.from_grid(
    kind="certificates",
    title="取证月报",
    grid=CERTIFICATE_GRID,
    extra=(
        Column("职业(工种)", "occupation", "text", aliases=("职业", "工种", "职业工种"),
               required=False),
        Column("行业", "industry", "choice", options.choices("industry"), aliases=("所属行业",),
               required=False),
    ),
    aliases={
        "certificate_type": ("证书种类",),
        "level": ("技能等级", "证书等级", "级别"),
        "count": ("取证人次", "人数", "发证数"),
    },
)


class CertificateFigureResource(SafeResource):
    """Exported with the import layout's headers, so an export can be edited and imported."""

    unit = Field(attribute="org_unit__name", column_name="单位")
    unit_code = Field(attribute="org_unit__code", column_name="单位代码")
    department = Field(attribute="department__name", column_name="部门")
    month = Field(column_name="月份")
    certificate_type = Field(attribute="certificate_type", column_name="证书类型")
    level = Field(attribute="level", column_name="等级")
    occupation = Field(attribute="occupation", column_name="职业(工种)")
    industry = Field(attribute="industry", column_name="行业")
    count = Field(attribute="count", column_name="取证人数",
                    widget=widgets.IntegerWidget())

    class Meta:
        model = CertificateFigure
        fields = (
            "unit", "unit_code", "department", "month", "certificate_type", "level",
            "occupation", "industry", "count",
        )

    def dehydrate_month(self, figure):
        return f"{figure.period:%Y-%m}"
