"""The training app's figures in Excel: the long import layout derived from the entry grid."""

from import_export import widgets
from import_export.fields import Field

from org import options
from skills_portal.exporting import SafeResource
from targets.layouts import Column, FigureLayout

from .forms import TRAINING_GRID
from .models import TrainingFigure

TRAINING_IMPORT = FigureLayout.from_grid(
    kind="training",
    title="培训月报",
    grid=TRAINING_GRID,
    extra=(
        Column("项目品牌", "programme", "programme", aliases=("培训项目", "项目", "品牌"),
               required=False),
        Column("是否补贴性培训", "subsidised", "bool", aliases=("补贴性培训", "是否补贴", "补贴"),
               required=False),
        Column("行业", "industry", "choice", options.choices("industry"), aliases=("所属行业",),
               required=False),
    ),
    aliases={
        "target_group": ("人员类别", "培训群体", "对象"),
        "training_type": ("培训种类", "类型"),
        "trained": ("培训人数", "参训人次"),
        "persons": ("新入训人数", "入训人数"),
        "completed": ("结业人数",),
        "certified": ("取证人次", "培训后取证人数"),
    },
)


class TrainingFigureResource(SafeResource):
    """Exported with the import layout's headers, so an export can be edited and imported."""

    unit = Field(attribute="org_unit__name", column_name="单位")
    unit_code = Field(attribute="org_unit__code", column_name="单位代码")
    department = Field(attribute="department__name", column_name="部门")
    month = Field(column_name="月份")
    target_group = Field(attribute="target_group", column_name="培训对象")
    training_type = Field(attribute="training_type", column_name="培训类型")
    programme = Field(attribute="programme__name", column_name="项目品牌")
    subsidised = Field(column_name="是否补贴性培训")
    industry = Field(attribute="industry", column_name="行业")
    trained = Field(attribute="trained", column_name="培训人次",
                      widget=widgets.IntegerWidget())
    persons = Field(attribute="persons", column_name="其中：新入训人数",
                      widget=widgets.IntegerWidget())
    completed = Field(attribute="completed", column_name="结业人次",
                        widget=widgets.IntegerWidget())
    certified = Field(attribute="certified", column_name="培训后取证人次",
                        widget=widgets.IntegerWidget())

    class Meta:
        model = TrainingFigure
        fields = (
            "unit", "unit_code", "department", "month", "target_group", "training_type",
            "programme", "subsidised", "industry", "trained", "persons", "completed",
            "certified",
        )

    def dehydrate_month(self, figure):
        return f"{figure.period:%Y-%m}"

    def dehydrate_subsidised(self, figure):
        return "是" if figure.subsidised else "否"
