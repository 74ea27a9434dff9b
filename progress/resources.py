"""The progress table as a spreadsheet export (django-import-export)."""

from import_export import widgets
from import_export.fields import Field

from skills_portal.exporting import SafeResource

from .choices import ProgressStatus, ProjectionMethod, WarningColour
from .models import ProgressSnapshot


class ProgressResource(SafeResource):
    """The columns the dashboard and bulletin show, per target and month."""

    month = Field(column_name="月份")
    plan = Field(attribute="target__plan__short_name", column_name="方案")
    unit_code = Field(attribute="target__org_unit__code", column_name="单位代码")
    unit = Field(attribute="target__org_unit__name", column_name="单位")
    department = Field(attribute="target__department__name", column_name="部门")
    indicator_code = Field(attribute="target__indicator__code", column_name="指标代码")
    indicator = Field(attribute="target__indicator__name", column_name="指标")
    indicator_unit = Field(attribute="target__indicator__unit", column_name="计量单位")
    target_value = Field(attribute="target_value", column_name="目标值",
                           widget=widgets.DecimalWidget())
    actual = Field(attribute="actual", column_name="完成值",
                     widget=widgets.DecimalWidget())
    completion_rate = Field(attribute="completion_rate", column_name="完成率",
                              widget=widgets.DecimalWidget())
    time_progress = Field(attribute="time_progress", column_name="序时进度",
                            widget=widgets.DecimalWidget())
    gap_to_time = Field(attribute="gap_to_time", column_name="与序时进度差额",
                          widget=widgets.DecimalWidget())
    status = Field(column_name="状态")
    rank = Field(attribute="rank", column_name="排名",
                   widget=widgets.IntegerWidget())
    rank_of = Field(attribute="rank_of", column_name="参与排名数",
                      widget=widgets.IntegerWidget())
    projected = Field(attribute="projected", column_name="预计期末完成",
                      widget=widgets.DecimalWidget())
    projected_completion = Field(attribute="projected_completion", column_name="预计期末完成率",
                                 widget=widgets.DecimalWidget())
    projection_method = Field(column_name="预计方法")
    required_pace = Field(attribute="required_pace", column_name="还需月均完成",
                          widget=widgets.DecimalWidget())
    pace_so_far = Field(attribute="pace_so_far", column_name="已月均完成",
                        widget=widgets.DecimalWidget())
    warning = Field(column_name="预警")

    class Meta:
        model = ProgressSnapshot
        fields = (
            "month", "plan", "unit_code", "unit", "department", "indicator_code", "indicator",
            "indicator_unit", "target_value", "actual", "completion_rate", "time_progress",
            "gap_to_time", "status", "rank", "rank_of", "projected", "projected_completion",
            "projection_method", "required_pace", "pace_so_far", "warning",
        )

    def dehydrate_month(self, row):
        return f"{row.period:%Y-%m}"

    def dehydrate_status(self, row):
        return ProgressStatus(row.status).label

    def dehydrate_projection_method(self, row):
        return ProjectionMethod(row.projection_method).label if row.projection_method else ""

    def dehydrate_warning(self, row):
        return WarningColour(row.warning).label if row.warning else ""
