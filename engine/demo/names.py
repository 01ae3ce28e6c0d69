"""Vocabulary for people and companies: Chinese and English names (with pinyin for e-mail addresses),
company names, e-mail domains and the sales team."""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
#: (surname, pinyin, relative frequency)
CHINESE_SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
    ("杨", "yang", 3.1), ("黄", "huang", 2.5), ("赵", "zhao", 2.3), ("吴", "wu", 2.0), ("周", "zhou", 1.9),
    ("徐", "xu", 1.5), ("孙", "sun", 1.5), ("马", "ma", 1.4), ("朱", "zhu", 1.3), ("胡", "hu", 1.3),
    ("郭", "guo", 1.2), ("何", "he", 1.2), ("林", "lin", 1.1), ("高", "gao", 1.1), ("罗", "luo", 1.0),
    ("郑", "zheng", 1.0), ("梁", "liang", 0.9), ("谢", "xie", 0.8), ("宋", "song", 0.8), ("唐", "tang", 0.8),
    ("许", "xu", 0.7), ("邓", "deng", 0.7), ("韩", "han", 0.7), ("冯", "feng", 0.7), ("曹", "cao", 0.7),
    ("彭", "peng", 0.6), ("曾", "zeng", 0.6), ("肖", "xiao", 0.6), ("田", "tian", 0.6), ("董", "dong", 0.5),
    ("潘", "pan", 0.5), ("袁", "yuan", 0.5), ("蔡", "cai", 0.5), ("蒋", "jiang", 0.5), ("余", "yu", 0.5),
    ("于", "yu", 0.5), ("杜", "du", 0.5), ("叶", "ye", 0.5), ("程", "cheng", 0.4), ("魏", "wei", 0.4),
    ("苏", "su", 0.4), ("吕", "lv", 0.4), ("丁", "ding", 0.4), ("任", "ren", 0.4), ("沈", "shen", 0.4),
    ("姚", "yao", 0.3), ("卢", "lu", 0.3), ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("钟", "zhong", 0.3),
    ("谭", "tan", 0.3), ("陆", "lu", 0.3), ("汪", "wang", 0.3), ("范", "fan", 0.3), ("金", "jin", 0.3),
)

#: Characters of given names: (character, pinyin).
CHINESE_GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("娟", "juan"),
    ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("琳", "lin"), ("欣", "xin"), ("怡", "yi"),
    ("晶", "jing"), ("佳", "jia"), ("颖", "ying"), ("倩", "qian"), ("璐", "lu"), ("萍", "ping"), ("悦", "yue"),
    ("梦", "meng"), ("雅", "ya"), ("琪", "qi"), ("晓", "xiao"), ("玉", "yu"), ("兰", "lan"), ("菲", "fei"),
)
CHINESE_GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"), ("华", "hua"),
    ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"),
    ("俊", "jun"), ("峰", "feng"), ("建", "jian"), ("志", "zhi"), ("博", "bo"), ("晨", "chen"), ("昊", "hao"),
)

ENGLISH_FIRST_FEMALE: tuple[str, ...] = (
    "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn", "Abigail",
    "Emily", "Ella", "Grace", "Chloe", "Lily", "Hannah", "Zoe", "Nora", "Lucy", "Anna", "Sarah", "Laura", "Julia",
    "Claire", "Sophie", "Marie", "Lena", "Hana", "Yuki", "Priya", "Mei",
)
ENGLISH_FIRST_MALE: tuple[str, ...] = (
    "Liam", "Noah", "Oliver", "James", "William", "Benjamin", "Lucas", "Henry", "Alexander", "Daniel", "Michael",
    "Ethan", "Jacob", "Logan", "Jack", "Samuel", "David", "Joseph", "Thomas", "Matthew", "Leo", "Max", "Paul",
    "Lukas", "Pierre", "Jan", "Kenji", "Hiro", "Arjun", "Wei", "Ryan", "Adam",
)
ENGLISH_LAST: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
    "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Müller", "Schmidt", "Schneider",
    "Fischer", "Weber", "Dubois", "Laurent", "Bernard", "Moreau", "de Vries", "Jansen", "Tanaka", "Suzuki", "Sato",
    "Tan", "Lim", "Ng", "Chen", "Wong", "Patel",
)

CHINESE_COMPANY_WORDS: tuple[str, ...] = (
    "华信", "明达", "恒通", "瑞丰", "金桥", "新宇", "同创", "天成", "博远", "鼎盛", "嘉禾", "中泰", "永安", "汇智",
    "宏图", "长青", "正元", "东方", "星辰", "优品",
)
CHINESE_COMPANY_TRADES: tuple[str, ...] = (
    "科技", "贸易", "商贸", "电子", "文化传媒", "餐饮管理", "酒店管理", "健身", "家居", "教育科技",
)
ENGLISH_COMPANY_WORDS: tuple[str, ...] = (
    "Northwind", "Bluestone", "Harbor", "Summit", "Evergreen", "Silverline", "Redwood", "Brightpath", "Oakridge",
    "Pioneer", "Crescent", "Atlas", "Meridian", "Keystone", "Horizon", "Riverside",
)
ENGLISH_COMPANY_TRADES: tuple[str, ...] = (
    "Trading", "Hospitality", "Studios", "Retail", "Logistics", "Fitness", "Consulting", "Design", "Foods",
    "Offices",
)
ENGLISH_COMPANY_SUFFIXES: tuple[str, ...] = (
    "Ltd", "Inc.", "LLC", "GmbH", "Co.", "Group", "Pte Ltd",
)

#: (domain, relative frequency)
CHINA_EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("qq.com", 0.38), ("163.com", 0.25), ("126.com", 0.1), ("sina.com", 0.06), ("foxmail.com", 0.06),
    ("outlook.com", 0.07), ("gmail.com", 0.05), ("139.com", 0.03),
)
INTERNATIONAL_EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.45), ("outlook.com", 0.15), ("yahoo.com", 0.1), ("icloud.com", 0.12), ("hotmail.com", 0.08),
    ("proton.me", 0.04), ("gmx.de", 0.03), ("orange.fr", 0.03),
)

# fmt: on


@dataclass(frozen=True)
class SalesRep:
    name: str
    china: bool  # covers Chinese accounts (else international ones)
    win_rate: float  # chance a new opportunity is eventually won
    pace: float  # multiplier on the days spent in each stage (lower is faster)


SALES_TEAM: tuple[SalesRep, ...] = (
    SalesRep("Zhang Wei", True, 0.52, 0.8),
    SalesRep("Li Na", True, 0.38, 1.0),
    SalesRep("Wang Fang", True, 0.30, 1.35),
    SalesRep("Chen Jie", True, 0.45, 0.7),
    SalesRep("Liu Yang", True, 0.22, 1.1),
    SalesRep("Zhao Min", True, 0.40, 1.6),
    SalesRep("Emily Carter", False, 0.48, 0.9),
    SalesRep("James Walker", False, 0.27, 1.2),
    SalesRep("Sophie Martin", False, 0.36, 0.75),
    SalesRep("Daniel Kim", False, 0.55, 1.4),
)
