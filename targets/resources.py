"""Targets and manual data values in Excel: exports through django-import-export resources, and
the import layout of manual values."""

from import_export import widgets
from import_export.fields import Field

from skills_portal.exporting import SafeResource

from .layouts import Column, FigureLayout
from .models import DataValue, Target

# How windows read in a spreadsheet (the target import accepts these and the codes).
WINDOW_WORDS = {"annual": "年度", "cumulative": "累计", "level": "期末水平"}


class TargetResource(SafeResource):
    plan = Field(attribute="plan__code", column_name="方案代码")
    plan_title = Field(attribute="plan__short_name", column_name="方案")
    code = Field(attribute="code", column_name="目标代码")
    indicator = Field(attribute="indicator__name", column_name="指标")
    indicator_unit = Field(attribute="indicator__unit", column_name="计量单位")
    unit = Field(attribute="org_unit__name", column_name="单位")
    unit_code = Field(attribute="org_unit__code", column_name="单位代码")
    department = Field(attribute="department__name", column_name="部门")
    window = Field(column_name="窗口")
    window_start = Field(column_name="起始月份")
    window_end = Field(column_name="截止月份")
    value = Field(attribute="value", column_name="目标值",
                    widget=widgets.DecimalWidget())
    comparator = Field(attribute="comparator", column_name="比较")
    is_soft = Field(column_name="力争目标")
    parent = Field(attribute="parent__code", column_name="上级目标代码")
    axis = Field(attribute="axis", column_name="分解方式")
    implements = Field(column_name="落实上级目标")
    quote = Field(attribute="quote", column_name="原文")

    class Meta:
        model = Target
        fields = (
            "plan", "plan_title", "code", "indicator", "indicator_unit", "unit", "unit_code",
            "department", "window", "window_start", "window_end", "value", "comparator", "is_soft",
            "parent", "axis", "implements", "quote",
        )

    def dehydrate_window(self, target):
        return WINDOW_WORDS.get(target.window, target.window)

    def dehydrate_window_start(self, target):
        return f"{target.period_start:%Y-%m}"

    def dehydrate_window_end(self, target):
        return f"{target.period_end:%Y-%m}"

    def dehydrate_implements(self, target):
        """方案代码/目标代码 of the target of a plan above that this one implements (#16)."""
        above = target.implements
        return f"{above.plan.code}/{above.code}" if above else ""

    def dehydrate_is_soft(self, target):
        return "是" if target.is_soft else "否"


DATA_VALUE_IMPORT = FigureLayout(
    kind="datavalues",
    title="手工指标数值",
    model=DataValue,
    app=None,
    dimensions=(Column("指标", "indicator", "indicator", aliases=("指标代码", "指标名称")),),
    values=(Column("数值", "value", "decimal", aliases=("数据", "值", "本月数")),),
    year_to_date=False,  # flows are monthly increments, stocks month-end levels
    zero_is_empty=False,
    fixed=(("comment", ""),),
)
