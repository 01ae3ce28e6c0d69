"""The canonical CRM schema: one definition from which the DuckDB DDL, docs/schema.md,
the ingest column matcher and the query layer's join graph are all derived.

Every table is optional. A table exists in a database once data has been loaded into it
(``crmlens load`` / ``crmlens demo``); analyses declare which tables and columns they need and the
engine reports exactly what is missing.

Conventions
-----------
* Identifiers are ``VARCHAR`` (CRM exports mix numeric and prefixed ids; joins stay exact).
* ``*_date`` columns are ``DATE``; ``*_at`` and ``*_time`` columns are ``TIMESTAMP`` (local time, no zone).
* Money is ``DECIMAL(18,2)`` in the store's single currency, so sums are exact.
* No PRIMARY KEY constraints are declared (DuckDB would keep an ART index of every key in memory);
  uniqueness of each table's key is enforced by ingest, which reports duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MONEY = "DECIMAL(18,2)"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    required: bool = False  # a row without it is rejected at load
    references: str | None = None  # "table.column"
    synonyms: tuple[str, ...] = ()  # header names (English and Chinese) that map to this column


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    time_column: str | None = None
    synonyms: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def ddl(self, name: str | None = None) -> str:
        cols = ",\n    ".join(f'"{c.name}" {c.type}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{name or self.name}" (\n    {cols}\n)'


def _c(
    name: str,
    type_: str,
    description: str,
    *,
    unit: str | None = None,
    allowed: tuple[str, ...] = (),
    required: bool = False,
    references: str | None = None,
    synonyms: tuple[str, ...] = (),
) -> ColumnSpec:
    return ColumnSpec(name, type_, description, unit, allowed, required, references, synonyms)


_CUSTOMER_REF = "customers.customer_id"
_PRODUCT_REF = "products.product_id"
_CUSTOMER_ID_SYN = (
    "customer id",
    "customer",
    "client id",
    "cust id",
    "member id",
    "user id",
    "客户id",
    "客户编号",
    "客户",
    "会员id",
    "会员编号",
    "用户id",
)
_PRODUCT_ID_SYN = ("product id", "sku", "item id", "商品id", "商品编号", "产品id", "产品编号", "sku编号")

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "customers",
        "One row per customer (person or business) known to the CRM.",
        (
            _c("customer_id", "VARCHAR", "Customer identifier, unique.", required=True, synonyms=_CUSTOMER_ID_SYN),
            _c(
                "name",
                "VARCHAR",
                "Full name or company name.",
                synonyms=("customer name", "full name", "姓名", "客户名称", "客户姓名", "名称"),
            ),
            _c(
                "email",
                "VARCHAR",
                "E-mail address; compared lower-cased and trimmed for duplicates.",
                synonyms=("e-mail", "mail", "email address", "邮箱", "电子邮件", "邮件"),
            ),
            _c(
                "phone",
                "VARCHAR",
                "Phone number; compared by its digits for duplicates.",
                synonyms=("mobile", "telephone", "tel", "phone number", "手机", "手机号", "电话", "联系电话"),
            ),
            _c(
                "gender", "VARCHAR", "Gender.", allowed=("female", "male", "other", "unknown"), synonyms=("sex", "性别")
            ),
            _c(
                "birth_date",
                "DATE",
                "Date of birth (age groups are derived from it).",
                synonyms=("birthday", "dob", "date of birth", "生日", "出生日期"),
            ),
            _c("city", "VARCHAR", "City of the customer's address.", synonyms=("town", "城市", "所在城市")),
            _c(
                "region",
                "VARCHAR",
                "Sales region (e.g. East China, North America).",
                synonyms=("area", "territory", "state", "province", "地区", "区域", "大区", "省份"),
            ),
            _c("country", "VARCHAR", "Country name.", synonyms=("nation", "国家")),
            _c(
                "signup_date",
                "DATE",
                "Date the customer registered or was first recorded.",
                synonyms=("registration date", "created", "join date", "signup", "注册日期", "注册时间", "入会日期"),
            ),
            _c(
                "acquisition_channel",
                "VARCHAR",
                "Channel that brought the customer (organic, paid search, ...).",
                synonyms=("source", "acquisition source", "lead source", "获客渠道", "来源渠道", "来源"),
            ),
            _c(
                "customer_type",
                "VARCHAR",
                "Kind of customer.",
                allowed=("individual", "business"),
                synonyms=("type", "segment", "kind", "customer kind", "客户类型", "类型"),
            ),
        ),
        key=("customer_id",),
        time_column="signup_date",
        synonyms=("customer", "client", "member", "客户", "会员", "用户"),
    ),
    TableSpec(
        "products",
        "Product catalogue.",
        (
            _c("product_id", "VARCHAR", "Product identifier (SKU), unique.", required=True, synonyms=_PRODUCT_ID_SYN),
            _c("name", "VARCHAR", "Product name.", synonyms=("product name", "title", "商品名称", "产品名称", "品名")),
            _c(
                "category",
                "VARCHAR",
                "Product category.",
                synonyms=("product category", "类目", "品类", "分类", "类别"),
            ),
            _c("brand", "VARCHAR", "Brand of the product.", synonyms=("品牌",)),
            _c(
                "unit_price",
                MONEY,
                "List price of one unit.",
                unit="currency",
                synonyms=("price", "list price", "单价", "价格", "售价"),
            ),
            _c("unit_cost", MONEY, "Cost of one unit.", unit="currency", synonyms=("cost", "成本", "进价")),
        ),
        key=("product_id",),
        synonyms=("product", "sku", "item", "商品", "产品"),
    ),
    TableSpec(
        "orders",
        "One row per order. Revenue counts completed orders only.",
        (
            _c(
                "order_id",
                "VARCHAR",
                "Order identifier, unique.",
                required=True,
                synonyms=("order id", "order no", "order number", "订单id", "订单号", "订单编号"),
            ),
            _c("customer_id", "VARCHAR", "Buyer.", references=_CUSTOMER_REF, synonyms=_CUSTOMER_ID_SYN),
            _c(
                "order_date",
                "DATE",
                "Date the order was placed.",
                required=True,
                synonyms=(
                    "date",
                    "order time",
                    "purchase date",
                    "order date",
                    "下单时间",
                    "下单日期",
                    "订单日期",
                    "日期",
                    "购买日期",
                    "交易日期",
                ),
            ),
            _c(
                "channel",
                "VARCHAR",
                "Sales channel the order came through (web, app, store, tmall, jd, ...).",
                synonyms=("sales channel", "渠道", "销售渠道", "下单渠道"),
            ),
            _c(
                "status",
                "VARCHAR",
                "Order status.",
                allowed=("completed", "cancelled", "returned"),
                synonyms=("order status", "状态", "订单状态"),
            ),
            _c(
                "amount",
                MONEY,
                "Amount paid for the order, after discount.",
                unit="currency",
                required=True,
                synonyms=(
                    "total",
                    "order amount",
                    "revenue",
                    "sales",
                    "value",
                    "price",
                    "金额",
                    "订单金额",
                    "实付金额",
                    "销售额",
                    "总价",
                    "支付金额",
                    "付款金额",
                    "成交金额",
                ),
            ),
            _c(
                "discount",
                MONEY,
                "Discount granted on the order (already deducted from amount).",
                unit="currency",
                synonyms=("discount amount", "折扣", "优惠", "优惠金额"),
            ),
        ),
        key=("order_id",),
        time_column="order_date",
        synonyms=("order", "purchase", "transaction", "sale", "订单", "交易", "购买"),
    ),
    TableSpec(
        "order_items",
        "Lines of an order: which products, how many, at which price.",
        (
            _c(
                "order_id",
                "VARCHAR",
                "Order the line belongs to.",
                required=True,
                references="orders.order_id",
                synonyms=("order id", "order no", "订单号", "订单编号", "订单id"),
            ),
            _c(
                "product_id",
                "VARCHAR",
                "Product sold.",
                required=True,
                references=_PRODUCT_REF,
                synonyms=_PRODUCT_ID_SYN,
            ),
            _c(
                "quantity",
                "INTEGER",
                "Units sold on this line.",
                unit="units",
                synonyms=("qty", "units", "count", "数量", "件数"),
            ),
            _c(
                "unit_price",
                MONEY,
                "Price of one unit on this line.",
                unit="currency",
                synonyms=("price", "单价", "成交价"),
            ),
        ),
        key=("order_id", "product_id"),
        synonyms=("order item", "order line", "line item", "订单明细", "明细"),
    ),
    TableSpec(
        "events",
        "Web and app behaviour. customer_id is empty for anonymous sessions.",
        (
            _c("event_id", "VARCHAR", "Event identifier, unique.", required=True, synonyms=("event id", "事件id")),
            _c("session_id", "VARCHAR", "Visit/session the event belongs to.", synonyms=("session", "会话id", "会话")),
            _c("customer_id", "VARCHAR", "Customer, when known.", references=_CUSTOMER_REF, synonyms=_CUSTOMER_ID_SYN),
            _c(
                "event_time",
                "TIMESTAMP",
                "When the event happened.",
                required=True,
                synonyms=("timestamp", "time", "event time", "时间", "事件时间", "发生时间"),
            ),
            _c(
                "event_type",
                "VARCHAR",
                "What happened: visit, view_product, add_to_cart, checkout, purchase, signup, search, ...",
                required=True,
                synonyms=("event", "action", "event name", "事件", "事件类型", "行为"),
            ),
            _c(
                "source",
                "VARCHAR",
                "Traffic source (organic, paid_search, social, email, direct, referral).",
                synonyms=("traffic source", "utm source", "流量来源", "来源"),
            ),
            _c(
                "device",
                "VARCHAR",
                "Device class.",
                allowed=("desktop", "mobile", "tablet", "app"),
                synonyms=("device type", "platform", "设备", "终端"),
            ),
            _c(
                "product_id", "VARCHAR", "Product concerned, if any.", references=_PRODUCT_REF, synonyms=_PRODUCT_ID_SYN
            ),
        ),
        key=("event_id",),
        time_column="event_time",
        synonyms=("event", "visit", "session", "click", "事件", "行为", "访问"),
    ),
    TableSpec(
        "campaigns",
        "Marketing campaigns and what they cost.",
        (
            _c(
                "campaign_id",
                "VARCHAR",
                "Campaign identifier, unique.",
                required=True,
                synonyms=("campaign id", "活动id", "活动编号"),
            ),
            _c("name", "VARCHAR", "Campaign name.", synonyms=("campaign name", "活动名称", "名称")),
            _c(
                "channel",
                "VARCHAR",
                "Channel (email, sms, social, search, display, wechat).",
                synonyms=("campaign channel", "渠道", "投放渠道"),
            ),
            _c("start_date", "DATE", "First day of the campaign.", synonyms=("start", "开始日期", "开始时间")),
            _c("end_date", "DATE", "Last day of the campaign.", synonyms=("end", "结束日期", "结束时间")),
            _c(
                "spend", MONEY, "Total spend.", unit="currency", synonyms=("cost", "budget", "花费", "费用", "投放金额")
            ),
        ),
        key=("campaign_id",),
        time_column="start_date",
        synonyms=("campaign", "营销活动", "活动"),
    ),
    TableSpec(
        "campaign_responses",
        "One row per customer targeted by a campaign, with how far they went.",
        (
            _c(
                "campaign_id",
                "VARCHAR",
                "Campaign.",
                required=True,
                references="campaigns.campaign_id",
                synonyms=("campaign id", "活动id"),
            ),
            _c(
                "customer_id",
                "VARCHAR",
                "Customer targeted.",
                required=True,
                references=_CUSTOMER_REF,
                synonyms=_CUSTOMER_ID_SYN,
            ),
            _c(
                "variant",
                "VARCHAR",
                "A/B test variant received (A, B, control, ...).",
                synonyms=("ab variant", "group", "版本", "分组"),
            ),
            _c("sent_at", "TIMESTAMP", "When the message was sent.", synonyms=("sent", "发送时间")),
            _c("opened_at", "TIMESTAMP", "When it was opened (empty if never).", synonyms=("opened", "打开时间")),
            _c("clicked_at", "TIMESTAMP", "When it was clicked (empty if never).", synonyms=("clicked", "点击时间")),
            _c(
                "converted_at",
                "TIMESTAMP",
                "When the customer converted (empty if never).",
                synonyms=("converted", "转化时间"),
            ),
            _c(
                "order_id",
                "VARCHAR",
                "Order attributed to the conversion, if any.",
                references="orders.order_id",
                synonyms=("order id", "订单号"),
            ),
        ),
        key=("campaign_id", "customer_id"),
        time_column="sent_at",
        synonyms=("campaign response", "营销响应"),
    ),
    TableSpec(
        "opportunities",
        "Sales opportunities (deals) in the pipeline.",
        (
            _c(
                "opportunity_id",
                "VARCHAR",
                "Opportunity identifier, unique.",
                required=True,
                synonyms=("opportunity id", "deal id", "商机id", "商机编号"),
            ),
            _c(
                "customer_id",
                "VARCHAR",
                "Account the deal is with.",
                references=_CUSTOMER_REF,
                synonyms=_CUSTOMER_ID_SYN,
            ),
            _c(
                "owner",
                "VARCHAR",
                "Sales rep who owns the deal.",
                synonyms=("sales rep", "rep", "salesperson", "负责人", "销售", "销售代表"),
            ),
            _c(
                "created_at",
                "TIMESTAMP",
                "When the opportunity was created.",
                synonyms=("created", "create time", "创建时间"),
            ),
            _c(
                "closed_at",
                "TIMESTAMP",
                "When it was won or lost (empty while open).",
                synonyms=("closed", "close date", "关闭时间", "成交时间"),
            ),
            _c(
                "stage",
                "VARCHAR",
                "Current stage (lead, qualified, proposal, negotiation, closed).",
                synonyms=("deal stage", "阶段", "销售阶段"),
            ),
            _c("status", "VARCHAR", "Outcome so far.", allowed=("open", "won", "lost"), synonyms=("状态",)),
            _c("amount", MONEY, "Deal value.", unit="currency", synonyms=("deal value", "value", "金额", "商机金额")),
        ),
        key=("opportunity_id",),
        time_column="created_at",
        synonyms=("opportunity", "deal", "商机", "销售机会"),
    ),
    TableSpec(
        "opportunity_stages",
        "Stage history: one row each time an opportunity entered a stage.",
        (
            _c(
                "opportunity_id",
                "VARCHAR",
                "Opportunity.",
                required=True,
                references="opportunities.opportunity_id",
                synonyms=("opportunity id", "deal id", "商机id"),
            ),
            _c("stage", "VARCHAR", "Stage entered.", required=True, synonyms=("阶段",)),
            _c(
                "entered_at",
                "TIMESTAMP",
                "When it entered the stage.",
                required=True,
                synonyms=("entered", "进入时间", "时间"),
            ),
        ),
        key=("opportunity_id", "stage"),
        time_column="entered_at",
        synonyms=("stage history", "阶段历史"),
    ),
    TableSpec(
        "feedback",
        "Survey answers: Net Promoter and satisfaction scores with free-text comments.",
        (
            _c(
                "feedback_id",
                "VARCHAR",
                "Feedback identifier, unique.",
                required=True,
                synonyms=("feedback id", "survey id", "反馈id", "问卷id"),
            ),
            _c("customer_id", "VARCHAR", "Customer who answered.", references=_CUSTOMER_REF, synonyms=_CUSTOMER_ID_SYN),
            _c(
                "submitted_at",
                "TIMESTAMP",
                "When the answer was submitted.",
                synonyms=("submitted", "date", "提交时间", "日期"),
            ),
            _c(
                "channel",
                "VARCHAR",
                "Where the survey was answered (email, app, web, phone, store).",
                synonyms=("survey channel", "渠道"),
            ),
            _c(
                "nps_score",
                "INTEGER",
                "Likelihood to recommend, 0-10.",
                unit="0-10",
                synonyms=("nps", "recommend score", "推荐值", "推荐分", "nps评分"),
            ),
            _c(
                "csat_score",
                "INTEGER",
                "Satisfaction, 1-5.",
                unit="1-5",
                synonyms=("csat", "satisfaction", "满意度", "满意度评分"),
            ),
            _c(
                "comment",
                "VARCHAR",
                "Free-text comment.",
                synonyms=("comments", "text", "评论", "意见", "留言", "备注"),
            ),
        ),
        key=("feedback_id",),
        time_column="submitted_at",
        synonyms=("feedback", "survey", "反馈", "问卷"),
    ),
    TableSpec(
        "reviews",
        "Public product reviews, of our brand and of competitors' brands.",
        (
            _c(
                "review_id",
                "VARCHAR",
                "Review identifier, unique.",
                required=True,
                synonyms=("review id", "评价id", "评论id"),
            ),
            _c(
                "customer_id",
                "VARCHAR",
                "Reviewer, when they are our customer.",
                references=_CUSTOMER_REF,
                synonyms=_CUSTOMER_ID_SYN,
            ),
            _c(
                "product_id",
                "VARCHAR",
                "Product reviewed, when it is ours.",
                references=_PRODUCT_REF,
                synonyms=_PRODUCT_ID_SYN,
            ),
            _c("brand", "VARCHAR", "Brand reviewed: ours or a competitor's.", synonyms=("品牌",)),
            _c(
                "source",
                "VARCHAR",
                "Where the review was posted (tmall, jd, amazon, app_store, website, weibo).",
                synonyms=("platform", "site", "来源", "平台"),
            ),
            _c(
                "posted_at",
                "TIMESTAMP",
                "When the review was posted.",
                synonyms=("date", "发布时间", "评价时间", "日期"),
            ),
            _c("rating", "INTEGER", "Star rating, 1-5.", unit="1-5", synonyms=("stars", "score", "评分", "星级")),
            _c("text", "VARCHAR", "Review text.", synonyms=("review", "content", "comment", "评价", "评论", "内容")),
            _c(
                "language",
                "VARCHAR",
                "ISO 639-1 language code of the text.",
                allowed=("en", "zh"),
                synonyms=("lang", "语言"),
            ),
        ),
        key=("review_id",),
        time_column="posted_at",
        synonyms=("review", "rating", "评价", "评论", "口碑"),
    ),
    TableSpec(
        "tickets",
        "Customer-service tickets.",
        (
            _c(
                "ticket_id",
                "VARCHAR",
                "Ticket identifier, unique.",
                required=True,
                synonyms=("ticket id", "case id", "工单id", "工单号"),
            ),
            _c(
                "customer_id", "VARCHAR", "Customer who raised it.", references=_CUSTOMER_REF, synonyms=_CUSTOMER_ID_SYN
            ),
            _c("opened_at", "TIMESTAMP", "When the ticket was opened.", synonyms=("opened", "created", "创建时间")),
            _c(
                "resolved_at",
                "TIMESTAMP",
                "When it was resolved (empty while unresolved).",
                synonyms=("resolved", "closed", "解决时间"),
            ),
            _c(
                "category",
                "VARCHAR",
                "Topic (delivery, refund, product_quality, billing, account, other).",
                synonyms=("type", "issue type", "类别", "问题类型", "分类"),
            ),
            _c("priority", "VARCHAR", "Priority.", allowed=("low", "medium", "high", "urgent"), synonyms=("优先级",)),
            _c("status", "VARCHAR", "Status.", allowed=("open", "pending", "resolved", "closed"), synonyms=("状态",)),
            _c("channel", "VARCHAR", "How it came in (phone, email, chat, app, store).", synonyms=("渠道",)),
        ),
        key=("ticket_id",),
        time_column="opened_at",
        synonyms=("ticket", "case", "complaint", "工单", "客服"),
    ),
    TableSpec(
        "competitor_prices",
        "Prices of our products observed at competitors.",
        (
            _c(
                "product_id",
                "VARCHAR",
                "Our product the price is compared with.",
                required=True,
                references=_PRODUCT_REF,
                synonyms=_PRODUCT_ID_SYN,
            ),
            _c(
                "competitor",
                "VARCHAR",
                "Competitor (brand or retailer).",
                required=True,
                synonyms=("competitor name", "竞品", "竞争对手"),
            ),
            _c("price", MONEY, "Price observed.", unit="currency", required=True, synonyms=("竞品价格", "价格")),
            _c("observed_at", "DATE", "Date the price was observed.", synonyms=("date", "观察日期", "日期")),
        ),
        key=("product_id", "competitor", "observed_at"),
        time_column="observed_at",
        synonyms=("competitor price", "竞品价格"),
    ),
)

TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}

#: Tables crmlens itself keeps beside the data (never loaded by users).
SYSTEM_TABLES: dict[str, str] = {
    "_crmlens_meta": 'CREATE TABLE IF NOT EXISTS "_crmlens_meta" ("key" VARCHAR, "value" VARCHAR)',
    "_loads": (
        'CREATE TABLE IF NOT EXISTS "_loads" ("load_id" VARCHAR, "source" VARCHAR, "table_name" VARCHAR, '
        '"loaded" BIGINT, "rejected" BIGINT, "duplicates" BIGINT, "started_at" TIMESTAMP, "finished_at" TIMESTAMP)'
    ),
    "_rejects": (
        'CREATE TABLE IF NOT EXISTS "_rejects" ("load_id" VARCHAR, "table_name" VARCHAR, "source" VARCHAR, '
        '"line" BIGINT, "column_name" VARCHAR, "value" VARCHAR, "reason" VARCHAR, "raw_row" VARCHAR, '
        '"rejected_at" TIMESTAMP)'
    ),
}


def table_spec(name: str) -> TableSpec:
    """The spec of canonical table ``name``; raises UsageError naming the known tables otherwise."""
    from crmlens.engine.errors import UsageError

    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise UsageError(
            f"Unknown table {name!r}.", hint=f"Canonical tables are: {', '.join(TABLES_BY_NAME)}."
        ) from None


@dataclass(frozen=True)
class Relationship:
    """A many-to-one link: ``table.column`` -> ``ref_table.ref_column``."""

    table: str
    column: str
    ref_table: str
    ref_column: str


def relationships() -> list[Relationship]:
    """Every foreign-key link of the canonical schema (the query layer's join graph)."""
    out = []
    for t in TABLES:
        for c in t.columns:
            if c.references:
                rt, rc = c.references.split(".")
                out.append(Relationship(t.name, c.name, rt, rc))
    return out


def schema_markdown() -> str:
    """docs/schema.md, generated from TABLES (a test keeps the committed file in sync)."""
    lines = [
        "# Canonical CRM schema",
        "",
        "<!-- Generated from engine/schema.py by `python -m crmlens.engine.schema > docs/schema.md`. -->",
        "",
        "Every table is optional: load what you have. Identifiers are text; `*_date` columns are dates,",
        "`*_at`/`*_time` columns are timestamps; money is `DECIMAL(18,2)` in one currency.",
        "Columns marked *required* must be present and non-empty in every loaded row, otherwise the row",
        "goes to `_rejects` with the reason. Each table's key is unique; ingest reports repeats.",
        "",
    ]
    for t in TABLES:
        lines += [f"## `{t.name}`", "", t.description, "", f"Key: `{', '.join(t.key)}`."]
        if t.time_column:
            lines.append(f"Time column: `{t.time_column}`.")
        lines += ["", "| column | type | unit | allowed values | description |", "|---|---|---|---|---|"]
        for c in t.columns:
            desc = c.description
            if c.required:
                desc += " *Required.*"
            if c.references:
                desc += f" References `{c.references}`."
            allowed = ", ".join(f"`{a}`" for a in c.allowed)
            lines.append(f"| `{c.name}` | {c.type} | {c.unit or ''} | {allowed} | {desc} |")
        lines.append("")
    lines += [
        "## System tables",
        "",
        "- `_rejects(load_id, table_name, source, line, column_name, value, reason, raw_row, rejected_at)`:",
        "  every row a load could not take, with the reason. Nothing is dropped silently.",
        "- `_loads(load_id, source, table_name, loaded, rejected, duplicates, started_at, finished_at)`:",
        "  one row per table per load.",
        "- `_crmlens_meta(key, value)`: settings kept with the data (e.g. `as_of` of the demo database).",
        "- `_duplicate_customers`: a view of customer pairs sharing a normalised e-mail or phone (after a load).",
        "- `_crmlens_values(dimension, value)`: values learnt from the data for understanding questions.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown(), end="")
