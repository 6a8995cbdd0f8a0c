"""Turn what a resident typed, and what a clerk wrote, into comparable search text.

Both sides go through the same steps so they meet: NFKC (full-width letters
and digits, ideographic spaces), Traditional → Simplified (OpenCC), lower
case, punctuation to spaces. A query is then cut into words (jieba), the
question and filler words residents add carry no weight, and every word also
gets its pinyin, so 养老保线 (a pinyin keyboard's slip) meets 养老保险 and
``yanglao`` meets 养老. Pinyin is compared in a *fuzzy* form that forgets the
distinctions speakers of many dialects do not make (zh/z, ch/c, sh/s, n/l,
an/ang, en/eng, in/ing, h/f), so near-homophones match too.
"""

import functools
import re
import unicodedata

import jieba
import opencc
from pypinyin import lazy_pinyin

jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO on the root of its own logger

_T2S = opencc.OpenCC("t2s")
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_RUN = re.compile(r"[a-z]+")
_SPLIT_LIST = re.compile(r"[、，,；;/|\n]+")

# Words that say how a resident asks, not what about: they never count towards a match.
_FILLER = """
我 我们 俺 咱 咱们 你 你们 您 他 她 家 家里 村里 镇上 乡里 乡上 县里
这边 那边 的 了 吗 呢 啊 呀 吧 嘛 哦 哈 么 和 与 跟 及 或 还 也 都
就 才 又 再 很 太 请问 请 问 问下 问一下 一下 想 想要 我想 要 需要 需
得 该 应该 可以 能 能不能 可不可以 会 是 是不是 有 有没有 没有 没 不 去
来 在 在哪 在哪里 在哪儿 哪里 哪儿 哪 哪个 哪些 什么 啥 怎么 怎么办 怎样
怎么样 如何 为什么 多少 几 几天 多久 多长时间 办 办理 办什么 要办 去办 咋
咋办 给 让 被 把 对 到 从 这 那 这个 那个 个 些 上 下 里 中 后 前
时候 手续 流程 材料 东西 带 带什么 准备 啥子 谁 找谁 找 哪儿办 地方 那里
这里 现在 已经 刚 刚刚 一个 一些 事 事情 情况 问题 还是 然后 所以 因为
如果 但是 可是 就是 一样 之类 等 等等 办法 咨询 请教 谢谢 你好 您好 老师
领导 同志 麻烦 帮忙 帮 帮我 告诉 知道
"""
FILLER_WORDS = frozenset(_FILLER.split())

# Sounds many residents do not tell apart (and pinyin keyboards let them swap): both sides are folded alike.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"))
_FUZZY_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


@functools.lru_cache(maxsize=8192)
def normalise(text):
    """Return ``text`` in NFKC, Simplified, lower case, punctuation as single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text or "").replace("\x00", "")
    text = _T2S.convert(text).lower()
    return _PUNCTUATION.sub(" ", text).strip()


@functools.lru_cache(maxsize=20000)
def _syllables(text):
    return tuple(lazy_pinyin(text, errors=lambda chars: list(chars)))


def fuzzy_syllable(syllable):
    """Return one pinyin syllable with the near-homophone distinctions folded away."""
    for full, short in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = short + syllable[len(full) :]
            break
    for full, short in _FUZZY_FINALS:
        if syllable.endswith(full):
            return syllable[: -len(full)] + short
    return syllable


def fuzzy_pinyin(text):
    """Return the fuzzy pinyin of normalised ``text``: one token per character, space-separated, padded."""
    return " " + " ".join(fuzzy_syllable(s) for s in _syllables(text) if s.strip()) + " "


def letters(text):
    """Return the full pinyin of normalised ``text`` with nothing between syllables (``yanglaobaoxian``)."""
    return "".join(s for s in _syllables(text) if s.strip())


def initials(text):
    """Return the first letters of each syllable (``ylbx``), as residents type abbreviations."""
    return "".join(s[0] for s in _syllables(text) if s.strip())


def split_list(text):
    """Return the phrases of a clerk's list field (keywords separated by 、，; or new lines), normalised."""
    return [phrase for phrase in (normalise(part) for part in _SPLIT_LIST.split(text or "")) if phrase]


def has_han(text):
    return bool(_HAN.search(text))


@functools.lru_cache(maxsize=4096)
def tokens(text):
    """Return ``((word, start, end), …)`` of normalised ``text``: jieba's cut, with filler and question words
    removed. Latin runs (pinyin typed without choosing characters) come whole.
    """
    found = []
    for word, start, end in jieba.tokenize(text):
        word = word.strip()
        if word and word not in FILLER_WORDS:
            found.append((word, start, end))
    return tuple(found)


def words(text):
    """Return the distinct meaningful words of normalised ``text`` (see ``tokens``)."""
    return tuple(dict.fromkeys(word for word, _start, _end in tokens(text)))
