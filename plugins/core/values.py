"""Other names of common dimension values, English and Chinese, so "上海", "华东", "线上" or "mobile
phones" find the values stored in the data. Values absent from a database are simply never matched.
"""

from __future__ import annotations

CITIES: dict[str, list[str]] = {
    "Shanghai": ["上海", "沪"],
    "Beijing": ["北京", "peking"],
    "Guangzhou": ["广州", "canton"],
    "Shenzhen": ["深圳"],
    "Hangzhou": ["杭州"],
    "Nanjing": ["南京"],
    "Suzhou": ["苏州"],
    "Chengdu": ["成都"],
    "Chongqing": ["重庆"],
    "Wuhan": ["武汉"],
    "Xi'an": ["西安", "xian"],
    "Tianjin": ["天津"],
    "Changsha": ["长沙"],
    "Zhengzhou": ["郑州"],
    "Xiamen": ["厦门"],
    "Shijiazhuang": ["石家庄"],
    "Qingdao": ["青岛"],
    "Dalian": ["大连"],
    "Shenyang": ["沈阳"],
    "Harbin": ["哈尔滨"],
    "Kunming": ["昆明"],
    "Hefei": ["合肥"],
    "Fuzhou": ["福州"],
    "Jinan": ["济南"],
    "Ningbo": ["宁波"],
    "Dongguan": ["东莞"],
    "Foshan": ["佛山"],
    "Hong Kong": ["香港"],
    "Taipei": ["台北"],
    "Macau": ["澳门"],
    "New York": ["纽约", "nyc"],
    "San Francisco": ["旧金山", "sf"],
    "Los Angeles": ["洛杉矶", "la"],
    "London": ["伦敦"],
    "Paris": ["巴黎"],
    "Berlin": ["柏林"],
    "Amsterdam": ["阿姆斯特丹"],
    "Tokyo": ["东京"],
    "Singapore": ["新加坡"],
    "Sydney": ["悉尼"],
    "Toronto": ["多伦多"],
    "Seoul": ["首尔"],
    "Madrid": ["马德里"],
}
REGIONS: dict[str, list[str]] = {
    "East China": ["华东", "华东地区", "华东区"],
    "North China": ["华北", "华北地区", "华北区"],
    "South China": ["华南", "华南地区", "华南区"],
    "West China": ["西部", "华西", "西部地区", "西南"],
    "Central China": ["华中", "华中地区"],
    "Northeast China": ["东北", "东北地区"],
    "North America": ["北美", "北美洲"],
    "Europe": ["欧洲"],
    "Asia Pacific": ["亚太", "亚太地区", "apac"],
}
COUNTRIES: dict[str, list[str]] = {
    "China": ["中国", "国内", "prc"],
    "United States": ["美国", "usa", "us", "america"],
    "United Kingdom": ["英国", "uk", "britain"],
    "Germany": ["德国"],
    "France": ["法国"],
    "Japan": ["日本"],
    "Canada": ["加拿大"],
    "Australia": ["澳大利亚", "澳洲"],
    "Netherlands": ["荷兰", "holland"],
    "Singapore": ["新加坡"],
    "South Korea": ["韩国", "korea"],
}
ORDER_CHANNELS: dict[str, list[str]] = {
    "web": ["website", "web shop", "webshop", "官网", "网站", "网页"],
    "app": ["mobile app", "app端", "移动端", "应用"],
    "store": ["stores", "shop", "retail store", "offline store", "in-store", "in store", "门店", "实体店", "线下门店",
              "店铺"],
    "tmall": ["天猫", "淘宝", "taobao"],
    "jd": ["京东", "jd.com", "jingdong"],
    "wechat": ["微信", "小程序", "weixin"],
}
ONLINE = ["web", "app", "tmall", "jd", "wechat"]
ORDER_CHANNEL_GROUPS: dict[str, list[str]] = {
    "online": ONLINE,
    "线上": ONLINE,
    "网上": ONLINE,
    "e-commerce": ONLINE,
    "电商": ONLINE,
    "offline": ["store"],
    "线下": ["store"],
    "marketplaces": ["tmall", "jd"],
    "marketplace": ["tmall", "jd"],
    "平台": ["tmall", "jd"],
}
GENDERS: dict[str, list[str]] = {
    "female": ["women", "woman", "females", "ladies", "女", "女性", "女士"],
    "male": ["men", "man", "males", "gentlemen", "男", "男性", "男士"],
    "other": ["其他性别"],
    "unknown": ["未知"],
}
ACQUISITION: dict[str, list[str]] = {
    "organic": ["organic search", "seo", "自然流量", "自然搜索"],
    "paid_search": ["paid search", "sem", "ppc", "付费搜索"],
    "social": ["social media", "社交媒体", "社交"],
    "referral": ["referrals", "word of mouth", "推荐", "转介绍", "口碑推荐"],
    "email": ["e-mail", "newsletter", "邮件", "电子邮件"],
    "offline_event": ["offline event", "events", "线下活动", "展会"],
    "direct": ["直接访问", "直接"],
}
CUSTOMER_TYPES: dict[str, list[str]] = {
    "individual": ["consumers", "b2c", "retail customers", "个人", "个人客户", "消费者"],
    "business": ["companies", "b2b", "corporate", "enterprise", "企业", "企业客户", "公司", "商业客户"],
}
STATUSES: dict[str, list[str]] = {
    "completed": ["complete", "paid", "fulfilled", "已完成", "完成"],
    "cancelled": ["canceled", "已取消", "取消"],
    "returned": ["returns", "refunded", "已退货", "退货"],
}
CATEGORIES: dict[str, list[str]] = {
    "Electronics": ["electronic", "electronics products", "电子", "电子产品", "数码", "3c"],
    "Home": ["home goods", "homeware", "household", "家居", "家居用品", "家庭"],
    "Beauty": ["cosmetics", "美妆", "化妆品", "美容"],
    "Apparel": ["clothing", "clothes", "fashion", "服装", "服饰", "衣服"],
    "Sports": ["sport", "sporting goods", "运动", "体育", "运动用品"],
    "Books": ["book", "图书", "书籍", "书"],
    "Food": ["grocery", "groceries", "食品", "零食", "生鲜"],
}
DEVICES: dict[str, list[str]] = {
    "mobile": ["phone", "phones", "mobile web", "smartphone", "手机", "移动"],
    "desktop": ["pc", "computer", "电脑", "桌面", "pc端"],
    "tablet": ["ipad", "平板", "平板电脑"],
    "app": ["mobile app", "app端", "应用"],
}
SOURCES: dict[str, list[str]] = {
    "organic": ["organic search", "seo", "自然流量", "自然搜索"],
    "paid_search": ["paid search", "sem", "ads", "付费搜索", "广告"],
    "social": ["social media", "社交媒体", "社交"],
    "email": ["邮件", "电子邮件"],
    "direct": ["直接访问", "直接"],
    "referral": ["referrals", "推荐", "外链"],
}
EVENT_TYPES: dict[str, list[str]] = {
    "visit": ["visits", "landing", "session start", "访问", "进入"],
    "view_product": ["product view", "view product", "product page", "浏览商品", "浏览", "商品浏览", "查看商品"],
    "add_to_cart": ["add to cart", "cart", "加购", "加入购物车", "加购物车"],
    "checkout": ["check out", "结算", "下单页", "提交订单"],
    "purchase": ["buy", "order", "purchases", "购买", "支付", "成交"],
    "signup": ["sign up", "register", "registration", "注册"],
    "search": ["搜索"],
}
REVIEW_SOURCES: dict[str, list[str]] = {
    "tmall": ["天猫"],
    "jd": ["京东"],
    "amazon": ["亚马逊"],
    "app_store": ["app store", "应用商店"],
    "website": ["our website", "官网"],
    "weibo": ["微博"],
}
LANGUAGES: dict[str, list[str]] = {"en": ["english", "英文", "英语"], "zh": ["chinese", "中文", "汉语"]}
TICKET_CATEGORIES: dict[str, list[str]] = {
    "delivery": ["shipping", "logistics", "物流", "配送", "快递", "发货"],
    "refund": ["refunds", "退款"],
    "product_quality": ["quality", "product quality", "defects", "质量", "产品质量", "质量问题"],
    "billing": ["payment", "invoice", "账单", "付款", "支付问题"],
    "account": ["login", "账户", "账号", "登录"],
    "other": ["其他"],
}
PRIORITIES: dict[str, list[str]] = {
    "urgent": ["critical", "紧急"],
    "high": ["高", "高优先级"],
    "medium": ["normal", "中", "中等"],
    "low": ["低", "低优先级"],
}
STAGES: dict[str, list[str]] = {
    "lead": ["leads", "线索"],
    "qualified": ["qualification", "合格", "已确认"],
    "proposal": ["proposals", "方案", "报价"],
    "negotiation": ["negotiating", "谈判", "商务谈判"],
    "closed": ["已关闭", "关闭"],
}
OPPORTUNITY_STATUSES: dict[str, list[str]] = {
    "won": ["win", "wins", "赢单", "成交"],
    "lost": ["loss", "losses", "输单", "丢单"],
    "open": ["在途", "进行中"],
}

VARIANTS: dict[str, list[str]] = {
    "A": ["variant a", "version a", "group a", "a组", "a版", "a版本", "方案a"],
    "B": ["variant b", "version b", "group b", "b组", "b版", "b版本", "方案b"],
    "control": ["control group", "holdout", "对照组", "控制组"],
}
AGE_GROUPS: dict[str, list[str]] = {
    "18-24": ["aged 18-24", "18-24岁", "18到24岁"], "25-34": ["aged 25-34", "25-34岁", "25到34岁"],
    "35-44": ["aged 35-44", "35-44岁", "35到44岁"], "45-54": ["aged 45-54", "45-54岁", "45到54岁"],
    "55-64": ["aged 55-64", "55-64岁", "55到64岁"], "65+": ["aged 65+", "over 65", "65岁以上", "65+岁"],
}
