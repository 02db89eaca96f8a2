"""The article a page cites for a rule, chosen by the subject's kind (issue 12 §6: the 张掖 purchased-services 办法
was cited for every project). One table per topic: the kind's own document where a seed gives it, else the general
one. Pages ask ``citation(topic, subject)``; a topic missing here is a programming error (KeyError)."""

from __future__ import annotations

from subjects.choices import SubjectKind as K

ZHANGYE = "《张掖市市级政府购买服务预算绩效管理暂行办法》"
CHANGZHI = "《长治市预算绩效管理办法》"
ZHANGDIAN_UNITS = "张店区《区级部门单位预算绩效管理办法》"
ZHANGDIAN_TRANSFERS = "张店区《区对下转移支付资金预算绩效管理办法》"
TRANSFERS = (K.TRANSFER_OVERALL, K.TRANSFER_REGIONAL, K.TRANSFER_PROJECT)

# topic → {kind: citation}, with "*" for every other kind.
CITATIONS: dict[str, dict[str, str]] = {
    # 暂缓或停止预算拨款 after monitoring
    "suspend_disbursement": {
        K.PURCHASED_SERVICE: f"{ZHANGYE}第二十一条",
        "*": f"{ZHANGDIAN_UNITS}第十八条",
    },
    # a target sheet adjusted during the year goes through its review again
    "adjust_targets": {
        K.PURCHASED_SERVICE: f"{ZHANGYE}第十六条",
        **{kind: f"{ZHANGDIAN_TRANSFERS}第十八条" for kind in TRANSFERS},
        "*": f"{CHANGZHI}第十二条；{ZHANGDIAN_UNITS}第十五条",
    },
}


def citation(topic: str, subject) -> str:
    by_kind = CITATIONS[topic]
    kind = getattr(subject, "kind", None)
    return by_kind.get(kind, by_kind["*"])
