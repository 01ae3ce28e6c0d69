"""Words of a text for topic modelling: English words and word pairs, Chinese words (jieba via the
query layer's segmenter), without stop words, brand names or the words of product names (a topic is a
theme such as delivery or quality, not an item)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

_EN_WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: Words that carry no theme in customer text (on top of scikit-learn's English stop words).
EN_STOP = frozenset(
    [
        "also",
        "really",
        "just",
        "even",
        "still",
        "thing",
        "things",
        "stuff",
        "get",
        "got",
        "getting",
        "would",
        "could",
        "should",
        "might",
        "one",
        "two",
        "three",
        "bought",
        "buy",
        "buying",
        "purchase",
        "purchased",
        "order",
        "ordered",
        "product",
        "products",
        "item",
        "items",
        "review",
        "reviews",
        "star",
        "stars",
        "use",
        "used",
        "using",
        "lot",
        "bit",
        "much",
        "many",
        "very",
        "quite",
        "well",
        "overall",
        "way",
        "time",
        "times",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "first",
        "last",
        "next",
        "back",
        "make",
        "made",
        "makes",
        "let",
        "lets",
        "im",
        "ive",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "cant",
        "wont",
        "thats",
        "its",
        "again",
        "ever",
        "since",
        "yet",
        "though",
        "although",
        "however",
        "because",
        "while",
        "going",
        "gone",
        "went",
        "come",
        "came",
        "say",
        "said",
        "says",
    ]
)
ZH_STOP = frozenset(
    [
        "这个",
        "那个",
        "一个",
        "一些",
        "一下",
        "一直",
        "一点",
        "一般",
        "我们",
        "你们",
        "他们",
        "自己",
        "非常",
        "特别",
        "真的",
        "感觉",
        "觉得",
        "东西",
        "产品",
        "商品",
        "购买",
        "收到",
        "就是",
        "还是",
        "但是",
        "而且",
        "因为",
        "所以",
        "可以",
        "这次",
        "之前",
        "已经",
        "没有",
        "不是",
        "什么",
        "怎么",
        "这样",
        "那样",
        "还有",
        "然后",
        "如果",
        "虽然",
        "不过",
        "时候",
        "现在",
        "以后",
        "以前",
        "有点",
        "比较",
        "还是",
        "一次",
        "两次",
        "第二次",
        "朋友",
        "宝贝",
        "这款",
        "这家",
        "店铺",
        "评价",
        "东东",
        "完全",
        "确实",
        "其实",
    ]
)


@lru_cache(maxsize=1)
def _sklearn_stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def excluded_words(names: Iterable[str]) -> frozenset[str]:
    """Lower-cased words of brand and product names (English words of 3+ letters, Chinese words)."""
    out: set[str] = set()
    for name in names:
        if not name:
            continue
        lowered = name.lower()
        out.update(w for w in _EN_WORD.findall(lowered) if len(w) >= 3)
        if _CJK.search(name):
            out.add(name)
    return frozenset(out)


def english_analyzer(excluded: frozenset[str]) -> Callable[[str], list[str]]:
    stop = _sklearn_stop() | EN_STOP | excluded

    def analyze(text: str) -> list[str]:
        words = [w.strip("'-") for w in _EN_WORD.findall(text.lower().replace("’", "'"))]
        words = [w for w in words if len(w) >= 3 and w not in stop and "'" not in w]
        return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]

    return analyze


def chinese_analyzer(excluded: frozenset[str]) -> Callable[[str], list[str]]:
    from crmlens.query.lexicon import SEGMENTER

    stop = ZH_STOP | excluded
    en_stop = _sklearn_stop() | EN_STOP | excluded

    def analyze(text: str) -> list[str]:
        out = []
        for word in SEGMENTER.cut(text):
            word = word.strip().lower()
            if len(_CJK.findall(word)) >= 2:
                if word not in stop:
                    out.append(word)
            elif _EN_WORD.fullmatch(word) and len(word) >= 3 and word not in en_stop:
                out.append(word)
        return out

    return analyze
