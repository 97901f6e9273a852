"""Yes and no as owners say them, every way: 有的, 没有呢, 算是吧, 不是, 木有, 当然, nope,
yeah, 有一套房, 没房, 从来没逾期过, no overdue ever. And the words that mean "don't know".

Text is cleaned first (:func:`clean`: NFKC, lower case, single spaces, no trailing punctuation or
particles such as 呢 / 吧 / 啊). :func:`yes_or_no` is True, False or None (neither).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "DONT_KNOW_WORDS",
    "answer_length",
    "asks_back",
    "clean",
    "is_dont_know",
    "strip_leading",
    "yes_or_no",
]

DONT_KNOW_WORDS = frozenset(
    {
        "不知道", "不清楚", "不确定", "不记得", "记不清", "忘了", "跳过", "dontknow", "donotknow",
        "idontknow", "notsure", "unsure", "skip", "idk", "?", "？", "不太清楚", "不太确定",
        "记不太清", "记不太清了", "记不清了", "不晓得", "不知", "说不好", "说不清", "说不准",
        "没算过", "没统计过", "不记得了", "忘记了", "不懂", "不了解", "noidea", "dunno",
        "notsureactually", "ihavenoidea", "cantremember", "can'tremember", "notcertain",
        "pass", "next", "不好说", "搞不清", "没概念", "看不懂",
    }
)  # fmt: skip
_TRUE = frozenset(
    {
        "true", "yes", "y", "1", "是", "有", "对", "t", "是的", "有的", "对的", "嗯", "嗯嗯",
        "yeah", "yep", "yup", "ya", "sure", "ofcourse", "correct", "right", "当然", "当然有",
        "当然是", "算是", "算是吧", "算", "肯定", "肯定有", "肯定是", "必须", "确实", "没错",
        "对头", "有啊", "是啊", "有呀", "是呀", "有滴", "有哒", "是滴", "没问题", "ok", "okay",
        "好", "好的", "有过", "是有", "有一个", "有一套", "有一张", "有证", "yesido", "ido",
        "wedo", "ihave", "wehave", "yesihave", "yeswedo", "absolutely", "definitely",
        "certainly", "indeed", "affirmative", "有的有的", "嗯有", "嗯是", "对对", "对对对", "是是",
    }
)  # fmt: skip
_FALSE = frozenset(
    {
        "false", "no", "n", "0", "否", "无", "没有", "没", "不是", "不", "不对", "没有的", "f",
        "nope", "nah", "never", "none", "not", "木有", "没得", "冇", "莫得", "没呢", "还没",
        "还没有", "暂时没有", "目前没有", "从来没有", "从没", "从来没", "从未", "没有过", "都没有",
        "一直没有", "并没有", "不存在", "无此", "没呀", "没啊", "没有啊", "不算", "不算是", "白户",
        "租的", "租", "租房", "租的房子", "租房子", "notatall", "noneatall", "nothing",
        "nonever", "no,never", "neverhave", "idont", "wedont", "ihavent", "wehavent", "notreally",
        "noidont", "nowedont", "没啥", "也没有", "都没", "零", "一次都没有", "一个都没有",
    }
)  # fmt: skip
_PARTICLES = "呢吧啊呀哦噢喔嘛哈啦了的吗么哟呗嗷"
_TRIM = re.compile(r"^[\s,.!?;:，。！？；：、~～…]+|[\s,.!?;:，。！？；：、~～…]+$")
_SUBJECTS = (
    "我们家", "我们", "我家", "咱们", "咱家", "咱", "我", "本人", "公司", "企业", "家里",
    "自己", "名下", "目前", "现在", "暂时", "个人", "这边", "这个", "嗯", "呃", "额",
)  # fmt: skip
_NEGATIONS = (
    "从来没", "从没", "从未", "一直没", "并没", "都没", "还没", "没有", "没", "无", "未", "不是",
    "木有", "没得", "莫得", "冇", "不", "no ", "never", "not ", "don't", "dont", "haven't",
    "havent", "none", "nope", "nah",
)  # fmt: skip
_AFFIRMATIONS = (
    "当然", "肯定", "确实", "算是", "是的", "有的", "有", "是", "对", "嗯", "办过", "贷过",
    "用过", "yes", "yeah", "yep", "yup", "sure", "of course", "i do", "we do", "i have",
    "we have", "correct",
)  # fmt: skip
_SAYS_YES_ANYWAY = ("没问题", "没错", "不错")
_SAYS_NO_ANYWAY = (
    "白户", "租的", "租房", "按时还", "按期还", "准时还", "we rent", "i rent", "renting", "don't",
    "do not", "never", "haven't", "have not",
)  # fmt: skip
"""Words that make an answer a no wherever they stand (是白户, 住的是租的, we don't sell...)."""
_DONT_KNOW_PARTS = (
    "不知道", "不清楚", "不记得", "记不得", "记不清", "没注意", "问会计", "问问会计", "问下会计",
    "查一下", "查查", "看一下才知道", "not sure", "no idea", "don't know", "do not know",
    "can't remember", "cannot remember", "need to check", "ask my accountant",
)  # fmt: skip
"""Parts of a longer "don't know" (要问会计, 没注意过), when the answer has no number."""
_NUMERAL = re.compile(r"[0-9一二两三四五六七八九十百千万亿几]")
_QUESTION_WORDS = (
    "吗", "什么", "怎么", "为什么", "啥", "如何", "哪", "多少", "明白", "懂", "意思", "?", "？",
    "what", "why", "how", "which", "explain", "mean",
)  # fmt: skip
"""A message with these is a question back (a doubt), never a yes or a no."""


_ASKING = (
    "吗", "么", "啥", "咋", "哪", "为何", "会不会", "能不能", "可不可以", "是不是", "有没有",
    "要不要", "行不行", "好不好", "对不对", "算不算", "?", "？",
)  # fmt: skip
_ASKING_EN = re.compile(
    r"^(what|why|how|can|could|should|would|do i|do you|does|is it|is there|will|which|when|"
    r"where|who)\b"
)


def answer_length(text: str) -> int:
    """How long an answer is: its Chinese characters and its words in Latin letters, digits
    counted as one word a run (``我们有3家`` is 5, ``we own an apartment`` 4)."""
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    return cjk + len(re.findall(r"[a-z0-9.%']+", text.lower()))


def asks_back(raw: str) -> bool:
    """Whether the message is a question (怎么填, 有没有影响, what is this?), not an answer."""
    text = unicodedata.normalize("NFKC", raw).lower().strip()
    return any(word in text for word in _ASKING) or _ASKING_EN.match(text) is not None


def clean(raw: str) -> str:
    """NFKC, lower case, single spaces, without the punctuation and particles at the ends."""
    text = unicodedata.normalize("NFKC", raw).lower().replace("’", "'")
    text = re.sub(r"\s+", " ", text).strip()
    previous = None
    while previous != text:
        previous = text
        text = _TRIM.sub("", text)
        if len(text) > 1 and text[-1] in _PARTICLES:
            text = text[:-1]
    return text


def _compact(text: str) -> str:
    return re.sub(r"[\s,，']", "", text)


def is_dont_know(raw: str) -> bool:
    """Whether the owner says they do not know (不知道, 记不太清了, not sure, skip)."""
    text = clean(raw)
    if _compact(text) in DONT_KNOW_WORDS or _compact(clean(text + "了")) in DONT_KNOW_WORDS:
        return True
    if _NUMERAL.search(text) or asks_back(raw) or answer_length(text) > 16:
        return False
    return any(part in text for part in _DONT_KNOW_PARTS)


def strip_leading(text: str, words: tuple[str, ...] | frozenset[str], rounds: int = 3) -> str:
    """``text`` without up to ``rounds`` leading words of ``words`` (one per round, the first
    that matches, never the whole text): 我们公司有 -> 有."""
    for _ in range(rounds):
        for word in words:
            if text.startswith(word) and len(text) > len(word):
                text = text[len(word) :]
                break
    return text


def yes_or_no(raw: str) -> bool | None:
    """True for a yes, False for a no, None when the text says neither."""
    text = clean(raw)
    compact = _compact(text)
    if compact in _TRUE:
        return True
    if compact in _FALSE:
        return False
    rest = strip_leading(compact, _SUBJECTS)
    if rest in _TRUE:
        return True
    if rest in _FALSE:
        return False
    spaced = text + " "
    asked = unicodedata.normalize("NFKC", raw).lower()
    if any(word in asked for word in _QUESTION_WORDS) or asks_back(raw) or answer_length(text) > 16:
        return None
    if any(word in compact for word in _SAYS_YES_ANYWAY):
        return True
    if any(word in compact or word in text for word in _SAYS_NO_ANYWAY):
        return False
    if "有没有" in compact or "是不是" in compact:
        return None
    for word in _NEGATIONS:
        if rest.startswith(word.strip()) or (word.endswith(" ") and spaced.startswith(word)):
            return False
    for word in _AFFIRMATIONS:
        if rest.startswith(word.replace(" ", "")) or spaced.startswith(word + " "):
            return True
    if any(word.strip() in rest for word in _NEGATIONS[:9]) or " never" in spaced:
        return False
    return None
