"""What training feeds the roll-up. Programme names (黔菜师傅, 康养云师傅 …) are configured
per plan, so the programme dimension takes free text (matched on the programme's name)."""

from org import options
from targets.measures import Dimension, Measure, Source, registry

from .choices import CarrierType

FIGURE_DIMENSIONS = (
    # Option sets (#26): an indicator's filter takes the values an administrator has added.
    Dimension("training_type", "培训类型", options.values("training_type")),
    Dimension("target_group", "培训对象", options.values("target_group")),
    Dimension("programme", "培训项目（品牌）"),
    Dimension("subsidised", "政府补贴性培训", boolean=True),
    Dimension("industry", "行业", options.values("industry")),
)
FIGURE_FIELDS = {"training_type": "training_type", "target_group": "target_group",
                 "programme": "programme__name", "subsidised": "subsidised",
                 "industry": "industry"}
CARRIER_DIMENSIONS = (
    Dimension("carrier_type", "载体类型", options.values("carrier_type")),
    Dimension("level", "载体级别", options.values("carrier_level")),
)
CARRIER_FIELDS = {"carrier_type": "carrier_type", "level": "level"}


# The measures each kind of record feeds (indicators that filter on an option name them).
FIGURE_MEASURES = ("training.person_times", "training.trainees", "training.completed",
                   "training.certified_after")
CARRIER_MEASURES = ("training.carriers_established", "training.carriers_active",
                    "training.pilot_enterprises_active")


def _figures(value: str) -> Source:
    return Source(model="training.TrainingFigure", date_field="period", value=value,
                  dimensions=FIGURE_FIELDS)


registry.register(
    Measure("training.person_times", "培训人次", "人次", FIGURE_DIMENSIONS, _figures("trained")),
    Measure("training.trainees", "新入训人数（按入训月份计）", "人", FIGURE_DIMENSIONS,
            _figures("persons")),
    Measure("training.completed", "结业人次", "人次", FIGURE_DIMENSIONS, _figures("completed")),
    Measure("training.certified_after", "培训后取证人次", "人次", FIGURE_DIMENSIONS,
            _figures("certified")),
    Measure("training.carriers_established", "新建培训载体数（按建成月份计）", "个",
            CARRIER_DIMENSIONS,
            Source(model="training.TrainingCarrier", date_field="established_on",
                   dimensions=CARRIER_FIELDS)),
    Measure("training.carriers_active", "在建在用培训载体数（月末存量）", "个", CARRIER_DIMENSIONS,
            Source(model="training.TrainingCarrier", date_field="established_on",
                   active_until="closed_on", dimensions=CARRIER_FIELDS)),
    # Pilot enterprises are recorded as carriers but counted in 家, as the plans count them.
    Measure("training.pilot_enterprises_active", "职业技能等级认定试点企业数（月末存量）", "家",
            (CARRIER_DIMENSIONS[1],),
            Source(model="training.TrainingCarrier", date_field="established_on",
                   active_until="closed_on", dimensions={"level": "level"},
                   where=(("carrier_type", CarrierType.PILOT_ENTERPRISE),))),
)
