"""Where demo customers live: cities, their regions and countries, how many customers each has,
how much they spend and which sales channels they order through."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Order channels, in the column order of :attr:`Region.channel_mix`.
ORDER_CHANNELS = ("web", "app", "store", "tmall", "jd", "wechat")
WEB, APP, STORE, TMALL, JD, WECHAT = range(6)


@dataclass(frozen=True)
class Region:
    name: str
    china: bool
    spend: float  # multiplier on basket size
    loyalty: float  # multiplier on customer lifetime
    nps: float  # added to the NPS of its customers
    channel_mix: tuple[float, float, float, float, float, float]  # web, app, store, tmall, jd, wechat


@dataclass(frozen=True)
class City:
    name: str
    name_zh: str
    region: str
    country: str
    weight: float  # relative number of customers
    phone_prefix: str  # country calling code, or area code for international numbers


REGIONS: tuple[Region, ...] = (
    Region("East China", True, 1.12, 1.08, 0.3, (0.08, 0.20, 0.10, 0.30, 0.20, 0.12)),
    Region("North China", True, 1.06, 1.00, 0.0, (0.08, 0.18, 0.10, 0.26, 0.28, 0.10)),
    Region("South China", True, 1.05, 1.02, 0.2, (0.07, 0.18, 0.09, 0.27, 0.20, 0.19)),
    Region("Central China", True, 0.90, 0.95, -0.2, (0.07, 0.15, 0.18, 0.28, 0.20, 0.12)),
    Region("West China", True, 0.84, 0.90, -0.6, (0.06, 0.14, 0.25, 0.25, 0.18, 0.12)),
    Region("North America", False, 1.45, 0.92, -0.3, (0.55, 0.30, 0.15, 0.0, 0.0, 0.0)),
    Region("Europe", False, 1.30, 0.97, 0.1, (0.50, 0.25, 0.25, 0.0, 0.0, 0.0)),
    Region("Asia Pacific", False, 1.25, 1.00, 0.2, (0.45, 0.40, 0.15, 0.0, 0.0, 0.0)),
)
REGION_INDEX = {r.name: i for i, r in enumerate(REGIONS)}

CITIES: tuple[City, ...] = (
    City("Shanghai", "上海", "East China", "China", 9.0, "86"),
    City("Hangzhou", "杭州", "East China", "China", 5.0, "86"),
    City("Nanjing", "南京", "East China", "China", 4.0, "86"),
    City("Suzhou", "苏州", "East China", "China", 3.5, "86"),
    City("Beijing", "北京", "North China", "China", 8.0, "86"),
    City("Tianjin", "天津", "North China", "China", 3.0, "86"),
    City("Shijiazhuang", "石家庄", "North China", "China", 1.5, "86"),
    City("Guangzhou", "广州", "South China", "China", 6.5, "86"),
    City("Shenzhen", "深圳", "South China", "China", 6.5, "86"),
    City("Xiamen", "厦门", "South China", "China", 2.0, "86"),
    City("Wuhan", "武汉", "Central China", "China", 4.0, "86"),
    City("Changsha", "长沙", "Central China", "China", 3.0, "86"),
    City("Zhengzhou", "郑州", "Central China", "China", 2.5, "86"),
    City("Chengdu", "成都", "West China", "China", 5.0, "86"),
    City("Chongqing", "重庆", "West China", "China", 4.0, "86"),
    City("Xi'an", "西安", "West China", "China", 2.5, "86"),
    City("New York", "纽约", "North America", "United States", 2.5, "1 212"),
    City("San Francisco", "旧金山", "North America", "United States", 1.8, "1 415"),
    City("Los Angeles", "洛杉矶", "North America", "United States", 1.4, "1 213"),
    City("Toronto", "多伦多", "North America", "Canada", 1.1, "1 416"),
    City("London", "伦敦", "Europe", "United Kingdom", 2.0, "44 20"),
    City("Berlin", "柏林", "Europe", "Germany", 1.3, "49 30"),
    City("Paris", "巴黎", "Europe", "France", 1.3, "33 1"),
    City("Amsterdam", "阿姆斯特丹", "Europe", "Netherlands", 0.8, "31 20"),
    City("Singapore", "新加坡", "Asia Pacific", "Singapore", 1.5, "65"),
    City("Tokyo", "东京", "Asia Pacific", "Japan", 1.2, "81 3"),
    City("Sydney", "悉尼", "Asia Pacific", "Australia", 1.0, "61 2"),
)

CITY_WEIGHTS = np.array([c.weight for c in CITIES])
CITY_REGION = np.array([REGION_INDEX[c.region] for c in CITIES])
CITY_CHINA = np.array([REGIONS[REGION_INDEX[c.region]].china for c in CITIES])
REGION_SPEND = np.array([r.spend for r in REGIONS])
REGION_LOYALTY = np.array([r.loyalty for r in REGIONS])
REGION_NPS = np.array([r.nps for r in REGIONS])
REGION_CHANNEL_MIX = np.array([r.channel_mix for r in REGIONS])
