"""What the subsidies app feeds the roll-up: money committed and paid, claims, and training
vouchers, each counted at the beneficiary's (holder's) org unit in the month of the event."""

from targets.measures import Dimension, Measure, Source, registry

from .choices import ClaimStatus, RuleKind, VoucherStatus

RULE = Dimension("rule_kind", "补贴规则", RuleKind.values)
SCHEME = Dimension("scheme", "补贴方案（代码）")
_CLAIM_DIMENSIONS = {"rule_kind": "scheme__rule_kind", "scheme": "scheme__code"}


def _claims(date_field: str, value: str | None, where: tuple) -> Source:
    return Source(model="subsidies.Claim", date_field=date_field, value=value,
                  department_field=None, dimensions=_CLAIM_DIMENSIONS, where=where)


registry.register(
    # Approved claims stay counted when they are paid: "approved" is money committed.
    Measure("subsidies.amount_approved", "核准补贴奖励金额（按核准月份计）", "元", (RULE, SCHEME),
            _claims("approved_on", "amount",
                    (("status__in", [ClaimStatus.APPROVED, ClaimStatus.PAID]),))),
    Measure("subsidies.amount_paid", "拨付补贴奖励金额（按拨付月份计）", "元", (RULE, SCHEME),
            _claims("paid_on", "amount", (("status", ClaimStatus.PAID),))),
    Measure("subsidies.claims", "补贴奖励申领件数（按申领月份计）", "个", (
        RULE, SCHEME, Dimension("status", "申领状态", ClaimStatus.values),
    ), Source(model="subsidies.Claim", date_field="submitted_on", department_field=None,
              dimensions={**_CLAIM_DIMENSIONS, "status": "status"})),
    Measure("subsidies.vouchers_issued", "发放培训券人数（按发券月份计，按当前状态分）", "人", (
        Dimension("status", "培训券状态", VoucherStatus.values), SCHEME,
    ), Source(model="subsidies.Voucher", date_field="issued_on", department_field=None,
              dimensions={"status": "status", "scheme": "scheme__code"})),
    Measure("subsidies.vouchers_redeemed", "以证换券兑现人数（按兑现月份计）", "人", (SCHEME,),
            Source(model="subsidies.Voucher", date_field="redeemed_on", department_field=None,
                   dimensions={"scheme": "scheme__code"},
                   where=(("status", VoucherStatus.REDEEMED),))),
    Measure("subsidies.voucher_amount_redeemed", "培训券兑现金额（按兑现月份计）", "元", (SCHEME,),
            Source(model="subsidies.Voucher", date_field="redeemed_on", value="redeemed_amount",
                   department_field=None, dimensions={"scheme": "scheme__code"},
                   where=(("status", VoucherStatus.REDEEMED),))),
)
