"""The deterministic, offline question parser: English, simplified Chinese, or a mix of both.

Steps: normalise; take out the patterns that carry numbers (top N, "more than 3 orders", "not ordered
for 90 days", analysis slots) and the time expressions; cut the rest into tokens (jieba for Chinese,
with the vocabulary added); match the longest vocabulary phrases, then typos (rapidfuzz); decide what
kind of question it is; and assemble an :class:`Interpretation`. Words that matched nothing are
reported — as "ignored" when the rest made sense, or as the reason the question was not understood.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from crmlens.engine.errors import NotUnderstoodError, UsageError
from crmlens.query import patterns
from crmlens.query.catalog import Catalog
from crmlens.query.compiler import shift_period
from crmlens.query.interpretation import Filter, Interpretation, MetricCondition, Period, ValueGroup
from crmlens.query.lexicon import Lexicon, Meaning, Token, has_chinese, normalize, tokenize
from crmlens.query.timeparse import find_time_expressions


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_EN = _words("""
a an the of for in on at to from by per with and or is are was were be been do does did what whats what's which who
whom how show me my our us we you your i give tell list please can could would should will shall get see find this
that these those there their them it its as all any each every some much many than then into over about across
within during between vs versus compared compare comparison against split broken down breakdown break number count
total overall data report table chart graph value values figure figures look let lets let's have has had were did
done make made s t up out just only also very more most less least top bottom
""")
STOP_ZH = _words("""
的 了 是 在 和 与 及 跟 同 按 按照 各 每 每个 分 分别 统计 查询 查看 看看 看 显示 给 给我 帮 帮我 请 一下
我们 我 咱们 公司
多少 几 几个 怎么样 怎样 如何 情况 数据 报表 表 图 一共 总共 总 总体 整体 所有 全部 哪 哪个 哪些 什么 啥 是否 有 有没有
吗 呢 吧 啊 对比 比较 相比 比 为 的话 里 中 内 上 下 从 到 至 由 于 以 及其 其中 针对 关于 是多少
分别是 各个 每一个 对 进行 做 做一下 一下子 帮忙 麻烦
""")
LIST_EN = {"list", "show", "which", "who", "find", "display", "names", "name", "give", "export", "identify"}
LIST_ZH = {"列出", "哪些", "名单", "列表", "找出", "查出", "有哪些", "是谁", "明细", "清单", "筛选"}
COUNT_EN = ("how many", "number of", "count of", "count the")
COUNT_ZH = ("多少", "几个", "几位", "几家", "数量")
ENTITIES = {
    "customers": {
        "customers",
        "customer",
        "clients",
        "client",
        "buyers",
        "buyer",
        "accounts",
        "members",
        "users",
        "客户",
        "顾客",
        "用户",
        "会员",
        "买家",
    },
    "products": {"products", "product", "items", "item", "skus", "sku", "商品", "产品", "单品"},
    "orders": {"orders", "order", "transactions", "订单", "交易"},
}
ENTITY_DIMENSION = {"customers": "customer", "products": "product"}
_ENTITY_WORDS = {w for names in ENTITIES.values() for w in names}
DESC_WORDS = {
    "从高到低", "降序", "由高到低", "从大到小",
    "highest",
    "most",
    "best",
    "largest",
    "biggest",
    "greatest",
    "top",
    "maximum",
    "max",
    "leading",
    "最高",
    "最多",
    "最大",
    "最好",
    "最强",
    "排名",
    "排行",
    "最佳",
    "第一",
    "靠前",
}
ASC_WORDS = {
    "从低到高", "升序", "由低到高", "从小到大",
    "lowest",
    "least",
    "fewest",
    "worst",
    "smallest",
    "minimum",
    "min",
    "weakest",
    "最低",
    "最少",
    "最小",
    "最差",
    "最弱",
    "垫底",
    "靠后",
}
SHARE_WORDS = {
    "share",
    "percentage",
    "percent",
    "proportion",
    "mix",
    "contribution",
    "split",
    "distribution",
    "占比",
    "比例",
    "份额",
    "构成",
    "贡献",
    "分布",
    "比重",
}
GROWTH_WORDS = {
    "growth",
    "grow",
    "grew",
    "increase",
    "increased",
    "change",
    "changes",
    "changed",
    "增长",
    "增速",
    "增长率",
    "变化",
    "涨幅",
    "增幅",
}
BY_WORDS = {"by", "per", "each", "across", "for each", "按", "各", "每个", "分", "按照", "各个", "分别", "每"}
#: Subjects crmlens has no data about, and actions it does not take: refused, not half-answered.
OUT_OF_SCOPE = (
    "warehouse", "inventory", "stock level", "on hand", "employee", "employees", "staff", "salary", "salaries",
    "payroll", "weather", "supplier", "suppliers", "shipping cost", "carrier", "send", "notify", "email them",
    "库存", "仓库", "员工", "工资", "薪资", "薪水", "天气", "供应商", "发送", "发邮件", "推送", "通知",
)
REFUSE = {
    "delete",
    "remove",
    "update",
    "insert",
    "truncate",
    "alter",
    "erase",
    "wipe",
    "modify",
    "删除",
    "清空",
    "修改",
    "更新",
    "插入",
    "删掉",
    "清除",
}
#: "where do users drop off", "drop-out rate": leaving a funnel, not the SQL command DROP.
_DROP_DATA = re.compile(r"\bdrop\s+(?:the\s+|all\s+|my\s+)?(?:\w+\s+)?(?:table|tables|database|schema|column|"
                        r"data|rows|records|everything)\b|\bdrop\s+(?:all|every)\b")
_DROP_OFF = re.compile(r"\bdrop(?:s|ped|ping)?[\s-]?(?:off|out)s?\b")
_SQL_FRAGMENT = re.compile(r"'\s*(?:or|and)\s*'|--|;\s*\w|/\*|'\s*=\s*'|\bunion\s+select\b", re.IGNORECASE)
TIME_WORDS = _words("""
now currently current present latest right date dates period periods time times end start beginning tomorrow
january february march april may june july august september october november december jan feb mar apr jun jul aug
sep sept oct nov dec monthly weekly daily quarterly yearly annually month months week weeks day days year years
quarter quarters today yesterday last this past previous prior since between before after until ytd mtd qtd trend
trends over versus compared growth next coming within ago half first second third fourth earlier later same period
""")
COMMON_EN = _words("""
greater greatest fewer lower higher larger smaller bigger exceeding above below under over least ordered ordering
bought buying purchased purchasing spent spend spending placed made shopped haven't hasn't didn't don't doesn't
isn't aren't weren't wasn't not inactive dormant anything something everything nothing since ago each every than
with without whose have were been being more less many much also still yet again within after before during
then there here where when whom while their them they what which would could should about across along among
amount amounts number numbers total totals selling sells seller sellers best worst most buy buys sale sold
came come comes went goes generated generate brought bring contributed contribute drove driven made make
customers customer products product orders order items item people users user members member
""")
SINGULAR_WHICH = {"which", "what", "哪个", "哪一个", "哪家", "哪位", "哪款"}
TREND_WORDS = {"trend", "trends", "trending", "over", "time", "vs", "versus", "趋势", "走势", "对比", "比较"}
#: Words that steer the question without naming a metric or dimension: never reported as ignored.
KEYWORDS = (
    DESC_WORDS
    | ASC_WORDS
    | SHARE_WORDS
    | GROWTH_WORDS
    | BY_WORDS
    | LIST_EN
    | LIST_ZH
    | SINGULAR_WHICH
    | TREND_WORDS
    | {w for names in ENTITIES.values() for w in names}
    | {"many", "number", "count", "how", "much", "多少", "几个", "数量", "名", "前", "后", "倒数", "只", "仅"}
    | TIME_WORDS | COMMON_EN | {"卖得", "卖的", "卖出", "收到", "贡献", "带来", "产生", "新建", "新增", "多少个",
                                       "多少位", "多少名", "多少家", "多少人", "条", "共", "岁",
                                       "exclude", "excluding", "without", "except", "去掉", "排除", "不含",
                                       "不包括", "除了", "剔除", "除去", "instead", "只看", "仅看", "换成", "改成",
                                       "排", "排序", "排列", "高到", "低到", "well", "too"}
)
_DEFAULT_TOP = 10
_FUNCTION_CHARS = set("的了是在和与及或个位名家些哪多少吗呢吧啊有没不把被从")
#: A metric and its twin at product-line level, used when a question breaks it down by product.
BREAKDOWN_TWINS = {"revenue": "item_revenue"}


@dataclass
class Match:
    start: int  # token index
    end: int
    text: str
    meanings: list[Meaning]
    fuzzy_from: str | None = None


@dataclass
class ParseState:
    question: str
    text: str  # normalised
    as_of: dt.date
    language: str
    blanked: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fragment: bool = False  # a follow-up: return what was said even without a metric


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, min(b, len(chars))):
            chars[i] = " "
    return "".join(chars)


class Parser:
    """Parses questions against one catalog. Build once per catalog (the lexicon is the costly part)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.lexicon = build_lexicon(catalog)
        latin = {w for key in self.lexicon.entries for phrase in key for w in phrase.split() if w.isascii()}
        semantic = {w for key, meanings in self.lexicon.entries.items() for phrase in key for w in phrase.split()
                    if w.isascii() and w.isalpha() and any(x.kind in ("metric", "dimension", "analysis")
                                                           for x in meanings)}
        words = STOP_EN | TIME_WORDS | COMMON_EN | {k for k in KEYWORDS if k.isascii()}
        # Words left alone, and the words a typo may be corrected to: the vocabulary of measures,
        # breakdowns, time and question words — not data values such as product names.
        self._known = {w for w in latin if w.isalpha()} | words
        targets = semantic | TIME_WORDS | {k for k in KEYWORDS - COMMON_EN if k.isascii()}
        self._known_list = sorted(w for w in targets if len(w) >= 4)
        self._cjk_by_len: dict[int, list[str]] = {}
        for phrase in self.lexicon.cjk_phrases:
            if len(phrase) >= 3:
                self._cjk_by_len.setdefault(len(phrase), []).append(phrase)
        self._single = self.lexicon.single_words()
        self._double = [" ".join(k) for k in self.lexicon.entries if len(k) == 2 and not has_chinese(k[0])]
        self._cjk_analysis_phrases = [
            p for p, meanings in self.lexicon.cjk_phrases.items() if any(m.kind == "analysis" for m in meanings)
        ]

    # -- entry point ------------------------------------------------------------------------------------
    def parse_fragment(self, question: str, *, as_of: dt.date | None = None) -> Interpretation:
        """Parse a follow-up ("only online", "by month", "去年呢"): like :meth:`parse`, but a question without
        a metric of its own is returned (unvalidated, ``metrics`` may be empty) for the session to merge."""
        return self.parse(question, as_of=as_of, fragment=True)

    def parse(self, question: str, *, as_of: dt.date | None = None, fragment: bool = False) -> Interpretation:
        """Understand ``question``; raise NotUnderstoodError naming the words that made no sense."""
        if len(question) > 2000:
            raise NotUnderstoodError(
                "The question is too long (over 2,000 characters).", hint="Ask one short question at a time."
            )
        from crmlens.query.glossary import expand_questions

        question, glossary_notes = expand_questions(question, self.catalog.glossary)
        text = normalize(question)
        if not text:
            raise NotUnderstoodError("The question is empty.", suggestions=self.suggest(""))
        state = ParseState(question, text, as_of or self.catalog.as_of, "zh" if has_chinese(question) else "en")
        if _SQL_FRAGMENT.search(question):
            raise NotUnderstoodError(
                "The question contains SQL syntax (quotes with OR/AND, '--', ';' or '/*'); crmlens does not run it.",
                unknown_words=[m.group() for m in _SQL_FRAGMENT.finditer(question)],
                hint="Ask in words, or give a whole read-only query starting with SELECT.",
            )
        outside = [w for w in OUT_OF_SCOPE if (w in text if has_chinese(w) else re.search(rf"\b{w}\b", text))]
        if outside:
            en = (f"crmlens has no data about {', '.join(outside)}: it knows customers, orders, products, web "
                  "events, campaigns, deals, feedback, reviews and service tickets.")
            zh = (f"没有关于「{'、'.join(outside)}」的数据：crmlens 只有客户、订单、商品、网站行为、营销、商机、"
                  "反馈、评价和工单数据。")
            raise NotUnderstoodError(_say(state, en, zh), unknown_words=outside, suggestions=self.suggest(question))
        text, typo_notes = self._correct_typos(text)
        words = set(re.findall(r"[a-z]+", _DROP_OFF.sub(" ", text)))
        dropping = _DROP_DATA.search(text)  # "drop" alone is a decline ("why did sales drop"); "drop table" is not
        if words & REFUSE or any(w in text for w in REFUSE if has_chinese(w)) or dropping:
            raise NotUnderstoodError(
                "crmlens only reads data: it does not delete, change or add anything from a question.",
                unknown_words=sorted(
                    (words & (REFUSE | ({"drop"} if dropping else set())))
                    | {w for w in REFUSE if has_chinese(w) and w in text}
                ),
                hint="Change data by loading files with `crmlens load`.",
            )
        state.text = text
        state.fragment = fragment
        state.notes += glossary_notes
        state.notes += [_say(state, f"read '{a}' as '{b}'", f"将「{a}」理解为「{b}」") for a, b in typo_notes]
        return self._parse(state)

    def _correct_typos(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Replace Latin words we do not know by the closest word we do ("reveneu" -> "revenue")."""
        fixed: list[tuple[str, str]] = []

        def repair(m: re.Match[str]) -> str:
            word = m.group()
            if len(word) < 4 or word in self._known or "'" in word:
                return word
            from rapidfuzz.distance import OSA

            allowed = 1 if len(word) < 8 else 2
            best = process.extractOne(word, self._known_list, scorer=OSA.distance, score_cutoff=allowed)
            if best is None or abs(len(best[0]) - len(word)) > 2:
                return word
            fixed.append((word, best[0]))
            return str(best[0])

        return re.sub(r"[a-z][a-z']*", repair, text), fixed

    def _parse(self, st: ParseState) -> Interpretation:
        text = st.text
        found: dict[str, list[patterns.Found]] = {
            "inactive": patterns.find_inactivity(text),
            "groups": patterns.find_groups(text),
            "horizon": patterns.find_horizon(text),
            "window": patterns.find_window(text),
        }
        text = _blank(text, [f.span for fs in found.values() for f in fs])
        times = find_time_expressions(text, st.as_of)
        text = _blank(text, [t.span for t in times])
        found["compare"] = [self._with_unit(text, f) for f in patterns.find_comparisons(text)]
        text = _blank(text, [f.span for f in found["compare"]])
        # "哪一步流失最多" is an analysis phrase, not "哪一" (top 1) followed by other words
        inside = self._analysis_phrase_spans(text)
        found["top"] = [f for f in patterns.find_top_n(text)
                        if not any(a < f.span[1] and f.span[0] < b for a, b in inside)]
        text = _blank(text, [f.span for f in found["top"]])
        tokens = tokenize(text)
        matches, unknown = self._match(tokens)
        return self._assemble(st, found, times, tokens, matches, unknown)

    def _analysis_phrase_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the Chinese phrases of analyses occur in ``text``."""
        spans = []
        for phrase in self._cjk_analysis_phrases:
            at = text.find(phrase)
            while at >= 0:
                spans.append((at, at + len(phrase)))
                at = text.find(phrase, at + 1)
        return spans

    def _with_unit(self, text: str, found: patterns.Found) -> patterns.Found:
        """A comparison whose measure stands before it ("金额超过1000", "spent more than 1,000"): take the
        longest vocabulary phrase ending right before the operator as its unit."""
        if found.unit and found.unit not in ("元", "块", "个", "次", "单", "笔", "件"):
            return found
        before = text[: found.span[0]].rstrip()
        best: tuple[int, str] | None = None
        for phrase, meanings in self.lexicon.cjk_phrases.items():
            fits = before.endswith(phrase) and any(self._measure(x) for x in meanings)
            if fits and (best is None or len(phrase) > best[0]):
                best = (len(phrase), phrase)
        words = before.split()
        for n in (3, 2, 1):
            if len(words) >= n:
                key = tuple(words[-n:])
                if not all(w.isascii() for w in key):
                    break
                # In English the measure of a count follows the number ("more than 3 orders"); only an
                # amount stands before it ("an amount greater than 1,000", "spent more than 1,000").
                if key in self.lexicon.entries and any(
                    self._measure(x) and x.kind == "dimension" for x in self.lexicon.entries[key]
                ):
                    phrase = " ".join(key)
                    if best is None or len(phrase) > best[0]:
                        best = (len(phrase), phrase)
                    break
        if best is None:
            return found if found.unit not in ("个", "件") else patterns.Found(
                found.span, found.kind, found.value, op=found.op, unit=None, direction=found.direction)
        start = len(before) - best[0]
        return patterns.Found((start, found.span[1]), found.kind, found.value, op=found.op, unit=best[1],
                              direction=found.direction)

    def _measure(self, meaning: Meaning) -> bool:
        if meaning.kind == "metric":
            return True
        d = self.catalog.dimensions.get(meaning.target)
        return meaning.kind == "dimension" and d is not None and d.kind == "number"

    # -- matching ---------------------------------------------------------------------------------------
    def _match(self, tokens: list[Token]) -> tuple[list[Match], list[Token]]:
        words = [t.text for t in tokens]
        matches: list[Match] = []
        i = 0
        while i < len(words):
            hit = self.lexicon.match_at(words, i)
            if hit is not None:
                key, meanings = hit
                matches.append(Match(i, i + len(key), " ".join(key), meanings))
                i += len(key)
                continue
            i += 1
        # Chinese text the segmenter cut across a vocabulary phrase: look for phrases inside runs of it.
        matches += self._cjk_substrings(tokens, {j for m in matches for j in range(m.start, m.end)})
        matches = self._join_cjk_neighbours(tokens, matches)
        covered = {j for m in matches for j in range(m.start, m.end)}
        # Typos in Latin words: "reveneu", "regoin", "Shangai".
        matches += self._fuzzy(tokens, covered)
        covered = {j for m in matches for j in range(m.start, m.end)}
        unknown = [t for j, t in enumerate(tokens) if j not in covered]
        matches.sort(key=lambda m: m.start)
        return matches, unknown

    def _cjk_substrings(self, tokens: list[Token], covered: set[int]) -> list[Match]:
        """Greedy longest vocabulary phrases inside each run of unmatched Chinese tokens."""
        out: list[Match] = []
        phrases = self.lexicon.cjk_phrases
        longest = max((len(p) for p in phrases), default=0)
        j = 0
        while j < len(tokens):
            if j in covered or not tokens[j].cjk:
                j += 1
                continue
            run = [j]
            while (
                run[-1] + 1 < len(tokens)
                and run[-1] + 1 not in covered
                and tokens[run[-1] + 1].cjk
                and tokens[run[-1] + 1].start == tokens[run[-1]].end
            ):
                run.append(run[-1] + 1)
            text = "".join(tokens[k].text for k in run)
            owner = [k for k in run for _ in tokens[k].text]  # char position -> token index
            pos = 0
            while pos < len(text):
                for size in range(min(longest, len(text) - pos), 1, -1):
                    piece = text[pos : pos + size]
                    if piece in phrases:
                        out.append(Match(owner[pos], owner[pos + size - 1] + 1, piece, phrases[piece]))
                        pos += size
                        break
                else:
                    near = self._near_cjk(text, pos)
                    if near is None:
                        pos += 1
                        continue
                    size, phrase = near
                    out.append(Match(owner[pos], owner[pos + size - 1] + 1, phrase, phrases[phrase],
                                     fuzzy_from=text[pos : pos + size]))
                    pos += size
            j = run[-1] + 1
        return out

    def _join_cjk_neighbours(self, tokens: list[Token], matches: list[Match]) -> list[Match]:
        """A left-over Chinese character next to a matched word may be a typo of a longer phrase
        ("退货" + "律" -> 退货率): try the two together."""
        by_end = {m.end: m for m in matches if m.end - m.start == 1 and tokens[m.start].cjk}
        covered = {j for m in matches for j in range(m.start, m.end)}
        out = list(matches)
        for j, tok in enumerate(tokens):
            if j in covered or not tok.cjk or len(tok.text) > 2 or tok.text in STOP_ZH:
                continue
            left = by_end.get(j)
            if left is None or left not in out or tokens[left.start].end != tok.start:
                continue
            text = tokens[left.start].text + tok.text
            phrase = text if text in self.lexicon.cjk_phrases else None
            fuzzy = None
            if phrase is None:
                near = self._near_cjk(text, 0, known_inside=True)
                if near is not None and near[0] == len(text) and near[1].startswith(tokens[left.start].text):
                    phrase, fuzzy = near[1], text
            if phrase is not None:
                out.remove(left)
                out.append(Match(left.start, j + 1, phrase, self.lexicon.cjk_phrases[phrase], fuzzy_from=fuzzy))
        return out

    def _near_cjk(self, text: str, pos: int, *, known_inside: bool = False) -> tuple[int, str] | None:
        """A vocabulary phrase of 3+ characters one character away from the text at ``pos`` (消售额 -> 销售额)."""
        from rapidfuzz.distance import Levenshtein

        for size in (5, 4, 3):
            piece = text[pos : pos + size]
            if len(piece) < size or any(ch in _FUNCTION_CHARS for ch in piece):
                continue
            if not known_inside and any(piece[i:j] in self.lexicon.cjk_phrases for i in range(size)
                                        for j in range(i + 2, size + 1)):
                continue  # it holds a word we know exactly: no need to guess
            candidates = self._cjk_by_len.get(size, [])
            best = process.extractOne(piece, candidates, scorer=Levenshtein.distance, score_cutoff=1)
            if best is not None and sum(a != b for a, b in zip(piece, best[0], strict=True)) == 1:
                return size, str(best[0])
        return None

    def _fuzzy(self, tokens: list[Token], covered: set[int]) -> list[Match]:
        out: list[Match] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if i in covered or tok.cjk or len(tok.text) < 4 or tok.text in self._known or tok.text.isdigit():
                i += 1
                continue
            if i + 1 < len(tokens) and i + 1 not in covered and not tokens[i + 1].cjk:
                pair = f"{tok.text} {tokens[i + 1].text}"
                best2 = process.extractOne(pair, self._double, scorer=fuzz.ratio, score_cutoff=86)
                if best2 is not None:
                    key = tuple(best2[0].split(" "))
                    out.append(Match(i, i + 2, best2[0], self.lexicon.entries[key], fuzzy_from=pair))
                    i += 2
                    continue
            cutoff = 80 if len(tok.text) >= 6 else 84
            best = process.extractOne(tok.text, self._single, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best is not None:
                out.append(Match(i, i + 1, best[0], self.lexicon.entries[(best[0],)], fuzzy_from=tok.text))
            i += 1
        return out

    # -- assembling -------------------------------------------------------------------------------------
    def _assemble(
        self,
        st: ParseState,
        found: dict[str, list[patterns.Found]],
        times: list[Any],
        tokens: list[Token],
        matches: list[Match],
        unknown: list[Token],
    ) -> Interpretation:
        words = {t.text for t in tokens}
        raw = st.text
        notes: list[str] = list(st.notes)
        for m in matches:
            if m.fuzzy_from:
                en, zh = f"read '{m.fuzzy_from}' as '{m.text}'", f"将「{m.fuzzy_from}」理解为「{m.text}」"
                notes.append(_say(st, en, zh))
        by_before = self._by_before(tokens, matches)
        analysis_hits = [
            m for m in matches
            if any(x.kind == "analysis" for x in m.meanings) and not any(x.kind == "metric" for x in m.meanings)
        ]
        entity, entity_token, entity_qualifier = self._entity_info(tokens, matches)
        list_intent = bool(words & LIST_EN) or any(w in raw for w in LIST_ZH)
        count_intent = any(c in raw for c in COUNT_EN) or any(c in raw for c in COUNT_ZH)
        # -- analyses first: their phrases are the most specific words we know
        if analysis_hits:
            best = max(analysis_hits, key=lambda m: (len(m.text), -m.start))
            meaning = next(x for x in best.meanings if x.kind == "analysis")
            if self._ignored(unknown) and best.end - best.start == 1 and len(best.text) < 12:
                # One generic word ("forecast") next to words we do not know ("weather"): not about CRM.
                self._not_understood(st, matches, unknown)
            return self._analysis(st, meaning, found, times, matches, unknown, notes)
        metrics: list[str] = []
        for m in matches:
            has_dim = any(x.kind == "dimension" for x in m.meanings)
            if has_dim and m.start in by_before:
                continue  # "by star rating": a breakdown, not a measure
            for x in m.meanings:
                if x.kind == "metric" and x.target not in metrics:
                    metrics.append(x.target)
                    break
        # An entity word ("customers", "orders") doubles as a metric name; decide which it is here.
        entity_metric = {"customers": "customers", "orders": "orders"}.get(entity or "")
        other_metrics = [m for m in metrics if m != entity_metric]
        conditions, filters, cond_notes = self._conditions(found["compare"], matches, entity, metrics)
        notes += cond_notes
        if found["inactive"]:
            filters.append(Filter(dimension="days_since_last_order", op=">=", values=[found["inactive"][0].value]))
            entity = entity or "customers"
        is_list = (
            entity in ("customers", "products", "orders")
            and not other_metrics
            and (list_intent or bool(conditions) or bool(found["inactive"])
                 or any(self.catalog.dimensions[f.dimension].table == "customer_activity" for f in filters))
        )
        if is_list and entity == "orders" and not list_intent:
            is_list = False  # "orders over 1000 last month": count them
        # -- dimensions and values
        base_table = self._base_table(other_metrics or metrics or ([entity_metric] if entity_metric else []))
        dims, value_filters, value_notes, groups, alternatives = self._dimensions(
            matches, base_table, raw, entity, by_before, st.question
        )
        notes += value_notes
        filters += value_filters
        period, grain, compare, growth = self._time(times, st)
        vs = bool(re.search(r"\b(?:vs|versus|compared|compare|against)\b", raw)) or any(
            w in raw for w in ("对比", "相比", "比较", "和上", "与上", "跟上"))
        before_words = re.search(r"\b(?:previous|prior|before|earlier|preceding)\b", raw) is not None
        if len(compare) == 2 and compare[0] == compare[1]:
            period, compare = compare[0], []  # "last month vs the previous month": the one before it
            vs = True
        if period is not None and not compare and vs and (before_words or "上一" in raw or "前一" in raw):
            compare = [shift_period(period, "previous_period"), period]
            growth = None
        elif period is not None and not compare and vs and growth == "previous_year" and not grain:
            compare = [shift_period(period, "previous_year"), period]
            growth = None
        top = found["top"][0] if found["top"] else None
        order = top.direction if top else None
        limit = int(top.value) if top and top.value else (_DEFAULT_TOP if top else None)
        if top and not top.value:
            notes.append(_say(st, f"top {_DEFAULT_TOP} (no number given)", f"未指定数量，取前 {_DEFAULT_TOP}"))
        if words & DESC_WORDS or any(w in raw for w in DESC_WORDS if has_chinese(w)):
            order = order or "desc"
        if words & ASC_WORDS or any(w in raw for w in ASC_WORDS if has_chinese(w)):
            order = "asc"
        singular = words & SINGULAR_WHICH or any(w in raw for w in ("哪个", "哪一个", "哪家", "哪位", "哪款"))
        plural = words & {"regions", "channels", "cities", "products", "customers", "categories", "sources",
                          "devices", "owners", "reps", "campaigns"}
        if order and not limit and singular and not plural:
            limit = 1
        share = bool(words & SHARE_WORDS or any(w in raw for w in SHARE_WORDS if has_chinese(w)) or "% of" in raw)
        if growth is None and (words & GROWTH_WORDS or any(w in raw for w in GROWTH_WORDS if has_chinese(w))):
            growth = "previous_period" if not compare else None
        ignored = self._ignored(unknown)
        used = len(metrics) + len(dims) + len(filters) + len(conditions) + (entity is not None)
        strangers = [w for w in ignored if w not in self._known]  # words of no vocabulary at all
        if len(strangers) >= 2 and len(strangers) >= used:
            self._not_understood(st, matches, unknown)  # too little of the question made sense
        if is_list:
            assert entity is not None
            return Interpretation(
                kind="list", language=st.language, entity=entity, filters=filters, conditions=conditions,
                count_only=count_intent, period=period, order=order, limit=limit, notes=notes, ignored=ignored,
            )
        entity_dim = ENTITY_DIMENSION.get(entity or "")
        wants_entity = entity_token is not None and not entity_qualifier and (
            entity_token in by_before or bool(top) or bool(order) or list_intent)
        if entity_dim and other_metrics and wants_entity and entity_dim not in dims:
            dims.insert(0, entity_dim)
        if entity and other_metrics:
            metrics = other_metrics
        if not metrics:
            if entity_dim and (top or order):
                metrics = ["revenue"]
                dims = [entity_dim, *[d for d in dims if d != entity_dim]]
                notes.append(_say(st, "ranked by revenue (no measure named)", "未指定指标，按销售额排名"))
            elif not st.fragment:
                self._not_understood(st, matches, unknown)
        metrics, swap_notes = self._reachable_metrics(st, metrics, dims, filters)
        notes += swap_notes
        if compare and len(compare) >= 2 and growth and not grain:
            growth = None  # "2024 vs 2025": the periods side by side
        if growth and period is not None and period.start == dt.date.min:
            notes.append(_say(st, "growth needs a closed period; not computed", "增长率需要明确的起止时间，未计算"))
            growth = None
        if growth and not grain and not compare and period is None:
            period = self._growth_period(st, growth)
            notes.append(_say(st, f"no period named: {period.text()}", f"未指定时间：{period.text()}"))
        if grain is None and not growth and any(t.kind == "grain" and t.grain is None for t in times):
            grain = _default_grain(period)
        if (top or order) and not dims and not grain and not compare and not st.fragment:
            order = None
        if share and not dims and not grain and not st.fragment:
            notes.append(_say(st, "share needs a breakdown; showing the total", "占比需要分组，显示总计"))
            share = False
        if limit and not dims and not grain and not compare and not st.fragment:
            limit = None
        fields: dict[str, Any] = {
            "kind": "metric", "language": st.language, "metrics": metrics, "dimensions": dims, "grain": grain,
            "period": period, "compare": compare, "growth": growth, "share": share, "filters": filters,
            "groups": groups, "order": order, "limit": limit, "notes": notes, "ignored": ignored,
            "alternatives": alternatives,
        }
        if st.fragment and not metrics:
            return Interpretation.model_construct(**fields)  # a follow-up: merged by the session
        return Interpretation(**fields)

    def _reachable_metrics(self, st: ParseState, metrics: list[str], dims: list[str],
                           filters: list[Filter]) -> tuple[list[str], list[str]]:
        """Revenue by product category is line-item revenue; a metric that cannot be broken down the asked
        way is replaced by its twin at that level, or dropped when another metric can answer."""
        tables = {self.catalog.dimensions[d].table for d in dims} | {
            self.catalog.dimensions[f.dimension].table for f in filters}
        notes: list[str] = []

        def reaches(name: str) -> bool:
            base = self._base_table([name])
            return base is None or all(self._reach(base, t) < 99 for t in tables)

        out: list[str] = []
        for name in metrics:
            if reaches(name):
                out.append(name)
                continue
            twin = BREAKDOWN_TWINS.get(name)
            if twin and twin in self.catalog.metrics and reaches(twin):
                out.append(twin)
                m, t = self.catalog.metrics[name], self.catalog.metrics[twin]
                notes.append(_say(st, f"{m.title.lower()} by product uses {t.title.lower()} ({t.description})",
                                  f"按商品拆分时{m.title_zh}使用{t.title_zh}（{t.description_zh}）"))
            elif len(metrics) == 1:
                out.append(name)  # nothing better: the compiler explains why it cannot be done
        return list(dict.fromkeys(out)), notes

    def _by_before(self, tokens: list[Token], matches: list[Match]) -> set[int]:
        """Token indexes of matches preceded by "by"/"per"/"按"/"各" (what follows is a breakdown)."""
        out: set[int] = set()
        for m in matches:
            if m.start <= 0:
                if m.start == 0 and tokens and any(tokens[0].text.startswith(w) for w in ("按", "各", "每")):
                    out.add(m.start)
                continue
            prev = tokens[m.start - 1].text
            by_word = prev in BY_WORDS or prev in ("for", "each") or prev.endswith(("按", "各", "每个", "分"))
            if by_word or tokens[m.start].text.startswith(("按", "各", "每")):
                out.add(m.start)
        return out

    def _entity_info(self, tokens: list[Token], matches: list[Match]) -> tuple[str | None, int | None, bool]:
        """The entity a question is about (customers, products, orders), the index of the token naming it,
        and whether that word only qualifies the next one ("customer region", "客户类型")."""
        covered = {j for m in matches for j in range(m.start, m.end)}
        matched_dims = {m.start: m for m in matches if any(x.kind in ("dimension", "value") for x in m.meanings)}
        # An entity word standing alone: matched as itself (not inside a longer phrase such as
        # "new customers"), or left over after matching.
        mentions = sorted([(m.start, m.text) for m in matches if m.text in _ENTITY_WORDS]
                          + [(j, t.text) for j, t in enumerate(tokens) if j not in covered and t.text in _ENTITY_WORDS])
        if len(mentions) > 1:
            # "orders from female customers": the first word is the measure, the later one the subject
            starts = {m.start: m for m in matches}
            qualified = [(j, w) for j, w in mentions
                         if j - 1 in starts and any(x.kind in ("value", "group") for x in starts[j - 1].meanings)]
            mentions = qualified or mentions[1:]
        for j, word in mentions:
            for entity, names in ENTITIES.items():
                if word in names:
                    nxt = matched_dims.get(j + 1)
                    qualifier = nxt is not None and not any(
                        x.kind == "dimension" and x.target == ENTITY_DIMENSION.get(entity) for x in nxt.meanings)
                    return entity, j, qualifier
        for m in matches:
            for x in m.meanings:
                if x.kind == "metric" and x.target in ("customers", "orders") and m.end - m.start > 1:
                    return x.target, m.start, False  # "number of customers", "order count"
        return None, None, False

    def _growth_period(self, st: ParseState, growth: str) -> Period:
        """Growth asked without a period: this year to date (year over year) or the last full month."""
        as_of = st.as_of
        if growth == "previous_year":
            return Period(start=dt.date(as_of.year, 1, 1), end=as_of, label=f"{as_of.year}")
        end = as_of.replace(day=1) - dt.timedelta(days=1)
        return Period(start=end.replace(day=1), end=end, label=end.strftime("%Y-%m"))

    def _base_table(self, metrics: list[str]) -> str | None:
        for name in metrics:
            m = self.catalog.metrics.get(name)
            if m is None:
                continue
            if m.table:
                return m.table
            if m.formula is not None:
                cols = [c.name for c in m.formula.find_all(__import__("sqlglot").exp.Column)]
                return self._base_table(cols)
        return None

    def _reach(self, base: str | None, table: str) -> int:
        """How far ``table`` is from the metric's base (lower is better; 99 unreachable)."""
        if base is None:
            return 0 if table in ("customers", "orders") else 1
        path = self.catalog.graph.path(base, table)
        return 99 if path is None else len(path)

    def _dimensions(
        self, matches: list[Match], base: str | None, raw: str, entity: str | None, by_before: set[int],
        question: str,
    ) -> tuple[list[str], list[Filter], list[str], list[ValueGroup], list[str]]:
        cat = self.catalog
        dims: list[str] = []
        notes: list[str] = []
        values: dict[str, list[str]] = {}
        labels: dict[str, list[ValueGroup]] = {}
        value_dims: set[str] = set()
        mentioned: list[tuple[int, str]] = []
        alternatives: list[str] = []
        seen_alt: set[str] = set()
        excluded: dict[str, list[str]] = {}  # "exclude returns", "去掉退货"
        explains: dict[str, int] = {}  # dimension -> how many value words of the question it can explain
        for m in matches:
            for target in {x.target for x in m.meanings if x.kind in ("value", "group")}:
                explains[target] = explains.get(target, 0) + 1
        for i, m in enumerate(matches):
            previous = matches[i - 1] if i > 0 and matches[i - 1].end == m.start else None
            dim_meanings = [x for x in m.meanings if x.kind == "dimension" and x.target in cat.dimensions]
            val_meanings = [x for x in m.meanings if x.kind in ("value", "group") and x.target in cat.dimensions]
            if any(x.kind == "metric" for x in m.meanings) and not (dim_meanings and m.start in by_before):
                continue
            if val_meanings:
                named = {x.target for x in (previous.meanings if previous else []) if x.kind == "dimension"}
                best = min(val_meanings, key=lambda x: (x.target not in named, -explains.get(x.target, 0),
                                                        self._reach(base, cat.dimensions[x.target].table)))
                for other in val_meanings:
                    if not named and other.target != best.target and other.target not in seen_alt and (
                            self._reach(base, cat.dimensions[other.target].table) < 99):
                        seen_alt.add(other.target)
                        d = cat.dimensions[other.target]
                        label = (d.title_zh or d.title) if has_chinese(m.text) else d.title.lower()
                        alternatives.append(_replace_once(question, m.text, label + " {}"))
                if self._reach(base, cat.dimensions[best.target].table) >= 99 and base is not None:
                    notes.append(f"'{m.text}' ({cat.dimensions[best.target].title.lower()}) does not apply here")
                    continue
                negative = _negated(raw, m.text)
                bucket = (excluded if negative else values).setdefault(best.target, [])
                members = [best.value] if best.kind == "value" else list(best.values)
                for v in members:
                    if v is not None and v not in bucket:
                        bucket.append(v)
                label = m.text if best.kind == "group" else str(best.value)
                if negative:
                    continue
                labels.setdefault(best.target, []).append(
                    ValueGroup(dimension=best.target, label=label, values=[v for v in members if v is not None])
                )
                value_dims.add(best.target)
                if best.kind == "group":
                    notes.append(f"'{m.text}' = {best.target.replace('_', ' ')} in {', '.join(best.values)}")
                continue
            if dim_meanings:
                ranked = sorted(dim_meanings, key=lambda x: self._reach(base, cat.dimensions[x.target].table))
                best_dim = ranked[0]
                if base is not None and self._reach(base, cat.dimensions[best_dim.target].table) >= 99:
                    alternative = self._headword_dimension(m.text, base)
                    if alternative is not None:
                        best_dim = Meaning("dimension", alternative, source=m.text)
                if entity and best_dim.target == ENTITY_DIMENSION.get(entity):
                    continue  # the entity word itself: handled by the caller
                if cat.dimensions[best_dim.target].kind == "number":
                    continue  # amounts and day counts filter ("over 1000"); they are not breakdowns
                mentioned.append((m.start, best_dim.target))
        filters: list[Filter] = [Filter(dimension=d, op="not in", values=list(v)) for d, v in excluded.items()]
        groups: list[ValueGroup] = []
        for dim, vals in values.items():
            filters.append(Filter(dimension=dim, op="in" if len(vals) > 1 else "=", values=list(vals)))
            dim_labels = labels.get(dim, [])
            if len(dim_labels) > 1 and dim not in dims:
                dims.append(dim)  # several values of one dimension: show them side by side
            if len(dim_labels) > 1 and any(len(g.values) > 1 for g in dim_labels):
                groups += dim_labels  # "online vs store": one row per named group
        for _, dim in mentioned:
            if dim in value_dims and not any(w in raw for w in (" by ", "per ", "按", "各", "每个", "分")):
                continue  # "channel tmall": the name only qualifies the value
            if dim not in dims:
                dims.append(dim)
        return dims, filters, notes, groups, alternatives[:3]

    def _headword_dimension(self, word: str, base: str) -> str | None:
        """A generic word ("channel", "source", "渠道") that named an unreachable dimension: the reachable
        dimension whose name or synonyms contain that word (NPS by channel -> feedback channel)."""
        best: tuple[int, str] | None = None
        for d in self.catalog.dimensions.values():
            if d.kind == "number":
                continue
            names = [d.name.replace("_", " "), d.title.lower(), (d.title_zh or ""), *[normalize(x) for x in d.synonyms]]
            hit = any(word in n.split() or (has_chinese(word) and word in n) for n in names if n)
            if not hit:
                continue
            reach = self._reach(base, d.table)
            if reach < 99 and (best is None or reach < best[0]):
                best = (reach, d.name)
        return None if best is None else best[1]

    def _conditions(
        self, compares: list[patterns.Found], matches: list[Match], entity: str | None, metrics: list[str]
    ) -> tuple[list[MetricCondition], list[Filter], list[str]]:
        """Comparisons with a number become metric conditions per entity ("customers with more than 3
        orders") or filters on a number dimension ("orders over 1000", "spent more than 1,000,000")."""
        conditions: list[MetricCondition] = []
        filters: list[Filter] = []
        notes: list[str] = []
        dims = self.catalog.dimensions
        for c in compares:
            target = self._unit_target(c.unit or "")
            if target is None:
                if entity == "customers" and "lifetime_revenue" in dims and not (set(metrics) - {"customers"}):
                    target = ("dimension", "lifetime_revenue")
                elif "order_amount" in dims:
                    target = ("dimension", "order_amount")
            if target is None:
                notes.append(f"ignored the condition '{c.op} {c.value}' (on what?)")
                continue
            kind, name = target
            op = c.op or ">"
            if kind == "metric":
                condition = {"metric": name, "op": op, "value": float(c.value or 0)}
                conditions.append(MetricCondition.model_validate(condition))
            elif dims[name].kind == "number":
                filters.append(Filter.model_validate({"dimension": name, "op": op, "values": [c.value]}))
            else:
                notes.append(f"ignored the condition on {name}")
        return conditions, filters, notes

    def _unit_target(self, unit: str) -> tuple[str, str] | None:
        unit = unit.strip()
        if not unit:
            return None
        aliases = {"单": "orders", "笔": "orders", "次": "orders", "天": "days_since_last_order"}
        if unit in aliases:
            name = aliases[unit]
            return ("metric", name) if name in self.catalog.metrics else ("dimension", name)
        toks = [t.text for t in tokenize(normalize(unit))]
        for i in range(len(toks)):
            hit = self.lexicon.match_at(toks, i)
            if hit is None:
                continue
            for x in hit[1]:
                if (
                    x.kind == "dimension"
                    and self.catalog.dimensions.get(x.target) is not None
                    and self.catalog.dimensions[x.target].kind == "number"
                ):
                    return "dimension", x.target
            for x in hit[1]:
                if x.kind == "metric":
                    return "metric", x.target
        for phrase, meanings in self.lexicon.cjk_phrases.items():
            if phrase in unit:
                for x in meanings:
                    if x.kind == "dimension" and self.catalog.dimensions[x.target].kind == "number":
                        return "dimension", x.target
                    if x.kind == "metric":
                        return "metric", x.target
        return None

    def _time(self, times: list[Any], st: ParseState) -> tuple[Period | None, Any, list[Period], Any]:
        period: Period | None = None
        grain = None
        compare: list[Period] = []
        growth = None
        for t in times:
            if t.kind == "range" and t.range is not None and period is None:
                period = Period(start=t.range.start, end=t.range.end, label=t.range.label)
            elif t.kind == "grain" and t.grain is not None:
                grain = t.grain
            elif t.kind == "compare" and t.compare is not None:
                compare = [Period(start=r.start, end=r.end, label=r.label) for r in t.compare]
            elif t.kind == "growth" and t.growth is not None:
                growth = t.growth
        if growth == "previous_year" and period is not None and not grain and not compare:
            pass  # compiled as the period against the same period a year earlier
        return period, grain, compare, growth

    def _ignored(self, unknown: list[Token]) -> list[str]:
        out = []
        for t in unknown:
            w = t.text
            if w in STOP_EN or w in STOP_ZH or w in KEYWORDS or w.isdigit() or w == "→" or len(w.strip("'%$")) == 0:
                continue
            if t.cjk and any(k in w for k in KEYWORDS if has_chinese(k) and len(k) >= 2):
                continue
            if t.cjk and all(ch in "的了是在和与及按各每分个吗呢吧啊请帮我们看下一" for ch in w):
                continue
            out.append(w)
        return out

    # -- analyses ----------------------------------------------------------------------------------------
    def _analysis(
        self,
        st: ParseState,
        meaning: Meaning,
        found: dict[str, list[patterns.Found]],
        times: list[Any],
        matches: list[Match],
        unknown: list[Token],
        notes: list[str],
    ) -> Interpretation:
        analysis = self.catalog.analyses.get(meaning.target)
        if analysis is None:
            raise UsageError(f"The phrase routes to {meaning.target}, which no installed plugin provides.")
        fields = analysis.params.model_fields
        params: dict[str, Any] = dict(meaning.params)
        metrics = [x.target for m in matches for x in m.meanings if x.kind == "metric"]
        dims = [x.target for m in matches for x in m.meanings if x.kind == "dimension"]
        # one value per dimension and match: "view product" is both the value and a synonym of view_product
        values = [
            v for m in matches for v in dict.fromkeys((x.target, x.value) for x in m.meanings if x.kind == "value")
        ]

        def put(names: tuple[str, ...], value: Any) -> None:
            for name in names:
                if name in fields and name not in params and value is not None:
                    params[name] = value
                    return

        if metrics:
            put(("metric",), metrics[0])
        if dims:
            put(("by", "dimension", "breakdown", "group_by"), dims[0])
        if found["groups"]:
            put(("k", "n_clusters", "clusters", "groups"), found["groups"][0].value)
        if found["horizon"]:
            h = found["horizon"][0]
            put(("horizon", "periods_ahead"), h.value)
            put(("grain", "freq", "frequency"), h.unit)
        if found["window"]:
            put(("window_days", "window"), found["window"][0].value)
        if found["top"] and found["top"][0].value:
            put(("top", "limit", "n", "top_n"), found["top"][0].value)
        steps = [v for d, v in values if d == "event_type"]
        if len(steps) >= 2:
            put(("steps",), steps)
        segment_values = [v for d, v in values if d.endswith("segment")]
        if segment_values:
            put(("segment",), segment_values[0])
        period, grain, _, _ = self._time(times, st)
        if period is not None:
            put(("start", "period_start", "since"), period.start)
            put(("end", "period_end", "until"), period.end)
        if grain is not None:
            put(("grain", "freq", "frequency"), grain)
        filters = [
            Filter(dimension=d, op="=", values=[v])
            for d, v in values
            if d != "event_type" and not d.endswith("segment") and v is not None
        ]
        if filters and "filters" in fields:
            params.setdefault("filters", [f.model_dump(mode="json") for f in filters])
        return Interpretation(
            kind="analysis",
            language=st.language,
            analysis=analysis.name,
            params=params,
            metrics=metrics[:1],
            dimensions=dims[:1],
            period=period,
            notes=notes,
            ignored=self._ignored(unknown),
        )

    # -- not understood -------------------------------------------------------------------------------
    def _not_understood(self, st: ParseState, matches: list[Match], unknown: list[Token]) -> None:
        known = [m.text for m in matches]
        words = self._ignored(unknown)
        if known and not words:
            message = (
                f"I recognised {', '.join(repr(k) for k in known)} but not what to measure."
                if st.language == "en"
                else f"识别到 {'、'.join(known)}，但不知道要统计什么指标。"
            )
        elif words:
            message = (
                f"I did not understand: {', '.join(repr(w) for w in words)}."
                if st.language == "en"
                else f"没有理解：{'、'.join(words)}。"
            )
        else:
            message = "I did not understand the question." if st.language == "en" else "没有理解这个问题。"
        raise NotUnderstoodError(message, unknown_words=words, suggestions=self.suggest(st.question))

    def suggest(self, question: str, n: int = 3) -> list[str]:
        from crmlens.query.suggest import suggestions

        return suggestions(self, question, n)


_NEGATION = re.compile(
    r"(?:\bexclud(?:e|ing)|\bwithout|\bexcept|\bnot|\bno|\bother than|去掉|排除|不含|不包括|除了|剔除|除去)\s*$"
)


def _negated(raw: str, phrase: str) -> bool:
    """Is the value ``phrase`` excluded ("exclude returns", "without tmall", "去掉退货")?"""
    at = raw.find(phrase)
    return at > 0 and _NEGATION.search(raw[max(0, at - 14) : at].rstrip()) is not None


def _replace_once(text: str, old: str, template: str) -> str:
    """Replace the first occurrence of ``old`` in ``text`` (ignoring case) by ``template`` with ``{}`` standing
    for the words as they were typed."""
    at = text.lower().find(old.lower())
    if at < 0:
        return f"{text} ({template.format(old)})"
    return text[:at] + template.format(text[at:at + len(old)]) + text[at + len(old):]


def _say(st: ParseState, en: str, zh: str) -> str:
    return zh if st.language == "zh" else en


def _default_grain(period: Period | None) -> str:
    if period is None:
        return "month"
    days = (period.end - period.start).days + 1
    if days <= 45:
        return "day"
    if days <= 200:
        return "week"
    return "month"


def build_lexicon(catalog: Catalog) -> Lexicon:
    lex = Lexicon()
    for m in catalog.metrics.values():
        meaning = Meaning("metric", m.name, source=m.title)
        for phrase in [m.name.replace("_", " "), m.title, m.title_zh or "", *m.synonyms]:
            lex.add(phrase, meaning)
    for d in catalog.dimensions.values():
        meaning = Meaning("dimension", d.name, source=d.title)
        for phrase in [d.name.replace("_", " "), d.title, d.title_zh or "", *d.synonyms]:
            lex.add(phrase, meaning)
    stop = STOP_EN | STOP_ZH | {"other", "unknown", "closed", "open", "none", "null", "a", "b"}
    # Other names of a value hold for every dimension that has that value ("门店" is a store as an order
    # channel, a feedback channel or a ticket channel); which one is meant is decided by the metric.
    value_names: dict[str, set[str]] = {}
    for d in catalog.dimensions.values():
        for v, syns in d.value_synonyms.items():
            value_names.setdefault(v, set()).update(syns)
            for syn in syns:  # data that stores "北京" is found by "Beijing" too
                value_names.setdefault(syn, set()).update({v, *syns} - {syn})
    for dim_name, values in catalog.values.items():
        d = catalog.dimensions[dim_name]
        present = set(values)
        for v in values:
            if len(v) >= 2 and normalize(v) not in stop:  # "A" or "other" alone are too common to be values
                lex.add(v, Meaning("value", dim_name, value=v, source=v))
                lex.add(v.replace("_", " "), Meaning("value", dim_name, value=v, source=v))
            for name in sorted(value_names.get(v, ())):
                lex.add(name, Meaning("value", dim_name, value=v, source=name))
        for word, group in d.value_groups.items():
            members = tuple(x for x in group if x in present)
            if members:
                lex.add(word, Meaning("group", dim_name, values=members, source=word))
    for g in catalog.glossary:  # the user's own words
        if g.kind == "metric" and g.target in catalog.metrics:
            lex.add(g.term, Meaning("metric", g.target, source=g.term))
        elif g.kind == "dimension" and g.target in catalog.dimensions:
            lex.add(g.term, Meaning("dimension", g.target, source=g.term))
        elif g.kind == "value" and g.target in catalog.dimensions and g.value:
            lex.add(g.term, Meaning("value", g.target, value=g.value, source=g.term))
    for p in catalog.phrases:
        if p.analysis in catalog.analyses:
            lex.add(p.text, Meaning("analysis", p.analysis, params=tuple(sorted(p.params.items())), source=p.text))
    for a in catalog.analyses.values():
        lex.add(a.name, Meaning("analysis", a.name, source=a.name))
    return lex
