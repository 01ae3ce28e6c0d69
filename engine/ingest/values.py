"""Spellings of the allowed values of enumerated columns (``ColumnSpec.allowed``).

A value is looked up lower-cased and trimmed; words may be separated by a space, ``_`` or ``-``; the
canonical value itself always matches. A value that matches none of a column's allowed values is rejected.
Only the spellings of the values a column allows apply to it, so ``"closed"`` means ``closed`` for
tickets and is rejected for opportunities (whose statuses are open, won, lost).
"""

from __future__ import annotations

from crmlens.engine.schema import ColumnSpec

VALUE_SPELLINGS: dict[str, tuple[str, ...]] = {
    # customers.gender
    "female": ("f", "w", "woman", "women", "girl", "女", "女性", "女士"),
    "male": ("m", "man", "men", "boy", "男", "男性", "先生"),
    "other": ("o", "x", "diverse", "non binary", "nonbinary", "其他", "其它"),
    "unknown": ("u", "n/a", "not specified", "unspecified", "prefer not to say", "未知", "保密", "不详"),
    # customers.customer_type
    "individual": ("person", "personal", "consumer", "private", "b2c", "个人", "个人客户"),
    "business": ("company", "corporate", "enterprise", "organisation", "organization", "b2b",
                 "企业", "公司", "企业客户", "机构"),
    # orders.status
    "completed": ("complete", "done", "paid", "delivered", "fulfilled", "success", "successful",
                  "已完成", "完成", "交易成功", "已支付", "已付款", "已签收"),
    "cancelled": ("canceled", "cancel", "void", "voided", "已取消", "取消", "交易关闭", "已关闭订单"),
    "returned": ("return", "refunded", "refund", "已退货", "退货", "已退款", "退款"),
    # events.device
    "desktop": ("pc", "computer", "web desktop", "电脑", "台式机", "桌面", "pc端"),
    "mobile": ("phone", "smartphone", "mobile web", "h5", "手机", "移动端", "移动"),
    "tablet": ("pad", "ipad", "平板", "平板电脑"),
    "app": ("mobile app", "application", "应用", "客户端", "app端"),
    # opportunities.status and tickets.status
    "open": ("opened", "new", "active", "in progress", "打开", "新建", "进行中", "跟进中", "未关闭"),
    "won": ("closed won", "win", "赢单", "成交", "已成交"),
    "lost": ("closed lost", "lose", "输单", "丢单", "失败"),
    "pending": ("waiting", "on hold", "in review", "待处理", "处理中", "挂起"),
    "resolved": ("fixed", "solved", "已解决", "解决"),
    "closed": ("close", "已关闭", "关闭", "结束"),
    # reviews.language
    "en": ("english", "eng", "en us", "en gb", "英文", "英语"),
    "zh": ("chinese", "cn", "zh cn", "zh hans", "zh tw", "zh hant", "中文", "汉语", "简体中文", "繁体中文"),
    # tickets.priority
    "low": ("minor", "p4", "低"),
    "medium": ("normal", "med", "moderate", "p3", "中", "普通"),
    "high": ("major", "important", "p2", "高"),
    "urgent": ("critical", "blocker", "emergency", "p1", "紧急", "加急"),
}


def allowed_value_lookup(column: ColumnSpec) -> dict[str, str]:
    """Every accepted lower-case spelling of ``column``'s allowed values -> the value. Words may be
    joined by a space, ``_``, ``-`` or nothing (``closed won``, ``closed_won``, ``closed-won``, ``closedwon``)."""
    lookup: dict[str, str] = {}
    for canonical in column.allowed:
        for spelling in (canonical, *VALUE_SPELLINGS.get(canonical, ())):
            words = spelling.lower().replace("_", " ").replace("-", " ").split()
            for joiner in (" ", "_", "-", ""):
                lookup.setdefault(joiner.join(words), canonical)
    return lookup
