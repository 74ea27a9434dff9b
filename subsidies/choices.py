"""Vocabularies of the subsidies app. Labels are Chinese domain terms, as in the plans."""

from django.db import models


class RuleKind(models.TextChoices):
    """How a scheme computes what it pays. One set of rule kinds, configured as data: a new
    scheme of an existing kind needs no code."""

    TIERED_AWARD = "tiered_award", "竞赛获奖分级奖励（竞赛级别×奖牌）"
    HONOUR = "honour", "荣誉称号定额奖励"
    MONTHLY_ALLOWANCE = "monthly_allowance", "按月发放的岗位津贴（按证书等级）"
    PER_HIRE = "per_hire", "吸纳持证人员就业补助（按人定额、企业累计封顶）"
    BOUNDED_GRANT = "bounded_grant", "区间内核定的一次性扶持补助"
    TRAINING_BY_LEVEL = "training_by_level", "培训补贴（按证书等级、重点职业系数）"
    # #22: partial training without a certificate, and training paid by the hours completed.
    PER_DAY_PARTIAL = "per_day_partial", "未取证培训按天补贴（不超过取证补贴标准的一定比例）"
    HOURS_PRORATA = "hours_prorata", "按完成课时折算的培训补贴"


# The kinds that pay for a training (a per-person yearly limit counts their claims).
TRAINING_KINDS = (RuleKind.TRAINING_BY_LEVEL, RuleKind.PER_DAY_PARTIAL, RuleKind.HOURS_PRORATA)


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已核准"
    PAID = "paid", "已拨付"
    REJECTED = "rejected", "不予核准"


# Claims whose amount counts against caps and budgets.
COMMITTED_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PAID)


class VoucherStatus(models.TextChoices):
    """发券-培训-评价-持证-兑现: the closed loop of the Nanyang plan."""

    ISSUED = "issued", "已发券"
    ENROLLED = "enrolled", "已报名入训"
    TRAINED = "trained", "已完成培训"
    ASSESSED = "assessed", "已参加评价"
    CERTIFIED = "certified", "已取证"
    REDEEMED = "redeemed", "已兑现"
    EXPIRED = "expired", "已过期作废"


# Each status and the one that may follow it: no step may be skipped.
VOUCHER_NEXT = {
    VoucherStatus.ISSUED: VoucherStatus.ENROLLED,
    VoucherStatus.ENROLLED: VoucherStatus.TRAINED,
    VoucherStatus.TRAINED: VoucherStatus.ASSESSED,
    VoucherStatus.ASSESSED: VoucherStatus.CERTIFIED,
    VoucherStatus.CERTIFIED: VoucherStatus.REDEEMED,
}
# The date field each status sets.
VOUCHER_DATE_FIELD = {
    VoucherStatus.ISSUED: "issued_on",
    VoucherStatus.ENROLLED: "enrolled_on",
    VoucherStatus.TRAINED: "trained_on",
    VoucherStatus.ASSESSED: "assessed_on",
    VoucherStatus.CERTIFIED: "certified_on",
    VoucherStatus.REDEEMED: "redeemed_on",
}
OPEN_VOUCHER_STATUSES = (VoucherStatus.ISSUED, VoucherStatus.ENROLLED, VoucherStatus.TRAINED,
                         VoucherStatus.ASSESSED, VoucherStatus.CERTIFIED)
