"""The product catalogue: our brand Lumina and its sub-brands across seven categories, the
competitors' brands, and each product's price, cost, popularity and (hidden) quality."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crmlens.engine.demo.columns import labels, money
from crmlens.engine.demo.rng import Stream, stream

OUR_BRAND = "Lumina"
#: Competitor brands: (name, price level against ours, typical rating, theme they are praised for,
#: theme they are criticised for). Themes are those of :mod:`crmlens.engine.demo.text`.
COMPETITORS: tuple[tuple[str, float, float, str, str], ...] = (
    ("Novaline", 1.10, 4.3, "quality", "price"),
    ("Brightway", 0.86, 3.5, "price", "quality"),
    ("Zenit", 0.96, 3.8, "delivery", "service"),
    ("Kestrel", 1.02, 4.0, "service", "delivery"),
)
COMPETITOR_NAMES = tuple(c[0] for c in COMPETITORS)


@dataclass(frozen=True)
class Category:
    name: str
    name_zh: str
    brand: str
    share: float  # share of order lines
    return_rate: float  # base chance an order with this category is returned
    cost_ratio: float  # unit cost / unit price
    female_affinity: float  # > 1: bought more by women, < 1: by men
    items: tuple[tuple[str, str, float, float], ...]  # (name, Chinese name, lowest price, highest price)
    variants: tuple[str, ...]


# fmt: off
CATEGORIES: tuple[Category, ...] = (
    Category(
        name="Electronics", name_zh="数码电子", brand="Lumina", share=0.18,
        return_rate=0.08, cost_ratio=0.68, female_affinity=0.7,
        items=(
            ("Wireless Earbuds", "无线耳机", 199, 899),
            ("Smart Watch", "智能手表", 499, 2499),
            ("Bluetooth Speaker", "蓝牙音箱", 149, 999),
            ("Power Bank", "充电宝", 79, 299),
            ("Noise-Cancelling Headphones", "降噪耳机", 599, 2999),
            ("Mechanical Keyboard", "机械键盘", 199, 899),
            ("Wireless Mouse", "无线鼠标", 59, 299),
            ("4K Webcam", "4K摄像头", 299, 1299),
        ),
        variants=("", " Pro", " Lite", " Max", " Mini"),
    ),
    Category(
        name="Home", name_zh="家居生活", brand="Lumina Home", share=0.17,
        return_rate=0.055, cost_ratio=0.55, female_affinity=1.3,
        items=(
            ("Aroma Diffuser", "香薰机", 99, 399),
            ("Ceramic Mug Set", "陶瓷杯套装", 59, 199),
            ("Cotton Bedsheet Set", "纯棉床品套件", 199, 899),
            ("LED Desk Lamp", "LED台灯", 99, 499),
            ("Air Purifier", "空气净化器", 899, 3999),
            ("Storage Box", "收纳箱", 39, 159),
            ("Non-stick Cookware Set", "不粘锅套装", 299, 1299),
            ("Robot Vacuum", "扫地机器人", 1299, 3999),
        ),
        variants=(" Classic", " Nordic", " Grey", " White", " Large"),
    ),
    Category(
        name="Beauty", name_zh="美妆个护", brand="Lumina Glow", share=0.16,
        return_rate=0.04, cost_ratio=0.42, female_affinity=2.2,
        items=(
            ("Hydrating Serum", "补水精华", 129, 599),
            ("Sunscreen SPF50", "防晒霜SPF50", 79, 259),
            ("Lip Balm", "润唇膏", 29, 99),
            ("Sheet Mask Pack", "面膜套装", 59, 199),
            ("Night Cream", "晚霜", 159, 699),
            ("Cleansing Foam", "洁面泡沫", 49, 169),
            ("Eau de Parfum 50ml", "香水50ml", 299, 999),
            ("Ionic Hair Dryer", "负离子吹风机", 299, 1599),
        ),
        variants=("", " Sensitive", " Travel Size", " Gift Set"),
    ),
    Category(
        name="Apparel", name_zh="服饰", brand="Lumina", share=0.18,
        return_rate=0.15, cost_ratio=0.45, female_affinity=1.4,
        items=(
            ("Down Jacket", "羽绒服", 599, 1999),
            ("Cotton T-Shirt", "纯棉T恤", 59, 199),
            ("Slim Jeans", "修身牛仔裤", 199, 599),
            ("Wool Sweater", "羊毛衫", 299, 999),
            ("Rain Jacket", "冲锋衣", 399, 1299),
            ("Silk Scarf", "真丝围巾", 199, 699),
            ("Hoodie", "连帽卫衣", 159, 459),
            ("Linen Shirt", "亚麻衬衫", 199, 559),
        ),
        variants=(" Black", " Navy", " Beige", " White", " Olive"),
    ),
    Category(
        name="Sports", name_zh="运动户外", brand="Lumina Active", share=0.11,
        return_rate=0.085, cost_ratio=0.55, female_affinity=0.8,
        items=(
            ("Yoga Mat", "瑜伽垫", 79, 399),
            ("Running Shoes", "跑步鞋", 399, 1299),
            ("Adjustable Dumbbell Set", "可调节哑铃", 299, 1599),
            ("Fitness Tracker", "运动手环", 199, 699),
            ("Insulated Water Bottle", "保温水杯", 59, 229),
            ("Hiking Backpack 30L", "登山包30L", 299, 999),
            ("Tennis Racket", "网球拍", 299, 1499),
            ("Cycling Gloves", "骑行手套", 49, 199),
        ),
        variants=("", " Pro", " Lite", " Kids"),
    ),
    Category(
        name="Books", name_zh="图书", brand="Lumina Press", share=0.08,
        return_rate=0.02, cost_ratio=0.6, female_affinity=1.1,
        items=(
            ("Home Cooking Classics", "家常菜谱", 39, 89),
            ("Mandarin for Beginners", "汉语入门", 49, 99),
            ("Data Science Handbook", "数据科学手册", 79, 149),
            ("Picture Book Collection", "儿童绘本合集", 59, 199),
            ("Travel Guide: Yunnan", "云南旅行指南", 39, 79),
            ("Mystery Novel Box Set", "悬疑小说套装", 89, 259),
            ("Business Strategy", "商业战略", 59, 119),
            ("Modern Poetry", "现代诗选", 29, 69),
        ),
        variants=(" (Paperback)", " (Hardcover)", " (Illustrated)"),
    ),
    Category(
        name="Food", name_zh="食品饮料", brand="Lumina Kitchen", share=0.12,
        return_rate=0.012, cost_ratio=0.5, female_affinity=1.0,
        items=(
            ("Green Tea 250g", "绿茶250g", 59, 299),
            ("Coffee Beans 1kg", "咖啡豆1kg", 99, 329),
            ("Mixed Nuts Gift Box", "坚果礼盒", 89, 269),
            ("Mooncake Gift Set", "月饼礼盒", 129, 499),
            ("Dark Chocolate", "黑巧克力", 29, 129),
            ("Wildflower Honey 500g", "百花蜜500g", 49, 169),
            ("Dried Fruit Mix", "果干什锦", 39, 119),
            ("Oolong Tea Tin", "乌龙茶罐装", 79, 399),
        ),
        variants=("", " Family Pack", " Organic", " Limited Edition"),
    ),
)
# fmt: on
CATEGORY_SHARE = np.array([c.share for c in CATEGORIES])
CATEGORY_RETURN_RATE = np.array([c.return_rate for c in CATEGORIES])
CATEGORY_FEMALE_AFFINITY = np.array([c.female_affinity for c in CATEGORIES])


@dataclass(frozen=True)
class Catalog:
    """Products as parallel arrays, grouped by category (products of a category are contiguous)."""

    product_id: list[str]
    name: list[str]
    name_zh: list[str]  # the item's Chinese name, used in Chinese review text
    item: list[str]  # the item's English name without variant, used in English text
    category: np.ndarray  # category index
    brand: list[str]
    price_cents: np.ndarray  # current (2025) list price
    cost_cents: np.ndarray
    popularity: np.ndarray  # relative chance of being picked within its category
    quality: np.ndarray  # hidden; drives returns, ratings and complaints
    category_start: np.ndarray  # first product of each category, plus the total at the end

    @property
    def size(self) -> int:
        return len(self.product_id)

    def pick(self, rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
        """One product per element of ``category``, drawn by popularity within that category."""
        cum = np.concatenate([[0.0], np.cumsum(self.popularity)])
        start, end = self.category_start[category], self.category_start[category + 1]
        a, b = cum[start], cum[end]
        p = np.searchsorted(cum, a + rng.random(len(category)) * (b - a), side="right") - 1
        return np.asarray(np.clip(p, start, end - 1), dtype=np.int64)


def build_catalog(seed: int) -> Catalog:
    rng = stream(seed, Stream.CATALOG)
    names: list[str] = []
    names_zh: list[str] = []
    items: list[str] = []
    brands: list[str] = []
    cats: list[int] = []
    lows: list[float] = []
    highs: list[float] = []
    for ci, cat in enumerate(CATEGORIES):
        for item, item_zh, low, high in cat.items:
            for variant in cat.variants:
                names.append(f"{cat.brand} {item}{variant}")
                names_zh.append(item_zh)
                items.append(item)
                brands.append(cat.brand)
                cats.append(ci)
                lows.append(low)
                highs.append(high)
    n = len(names)
    category = np.array(cats, dtype=np.int64)
    lo, hi = np.array(lows), np.array(highs)
    # Prices spread log-uniformly between the item's bounds and end in 9 (e.g. 299.00, 1299.00).
    raw = np.exp(np.log(lo) + rng.random(n) * (np.log(hi) - np.log(lo)))
    price = np.maximum(np.round(raw / 10.0) * 10.0 - 1.0, 9.0)
    cost_ratio = np.array([CATEGORIES[c].cost_ratio for c in cats]) * rng.uniform(0.85, 1.15, n)
    price_cents = (price * 100).astype(np.int64)
    cost_cents = np.round(price_cents * np.minimum(cost_ratio, 0.92)).astype(np.int64)
    # Zipf-like popularity inside each category, in a random order.
    popularity = np.empty(n)
    starts = np.searchsorted(category, np.arange(len(CATEGORIES) + 1))
    for ci in range(len(CATEGORIES)):
        a, b = starts[ci], starts[ci + 1]
        ranks = rng.permutation(b - a) + 1
        popularity[a:b] = 1.0 / ranks**0.9
    quality = rng.normal(0.0, 1.0, n)
    lemons = rng.random(n) < 0.03  # a few problem products: returned often, rated low
    quality[lemons] = -2.5 - rng.random(int(lemons.sum()))
    return Catalog(
        product_id=[f"P{i + 1:04d}" for i in range(n)],
        name=names,
        name_zh=names_zh,
        item=items,
        category=category,
        brand=brands,
        price_cents=price_cents,
        cost_cents=cost_cents,
        popularity=popularity,
        quality=quality,
        category_start=starts,
    )


def price_factor_by_year(years: np.ndarray) -> np.ndarray:
    """List prices rose a little each year; 2025 prices are the catalogue's."""
    return np.select([years == 2023, years == 2024], [0.94, 0.97], 1.0)


def product_columns(catalog: Catalog) -> dict[str, pa.Array]:
    """The ``products`` table."""
    return {
        "product_id": pa.array(catalog.product_id, type=pa.string()),
        "name": pa.array(catalog.name, type=pa.string()),
        "category": labels(catalog.category, [c.name for c in CATEGORIES]),
        "brand": pa.array(catalog.brand, type=pa.string()),
        "unit_price": money(catalog.price_cents),
        "unit_cost": money(catalog.cost_cents),
    }
