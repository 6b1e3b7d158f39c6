"""What kind of answer a question wants, and what kind of content each section holds.

Every term in the glossary has the same kinds of sections (概要, 基本概念, 主な特徴, 利点,
ユースケース, …), and the wording of a question usually says which kind it wants: 〜とは asks
for the intro, メリット for 利点, どうやって for a method. Matching the two gives a ranking prior
that neither embeddings nor BM25 have, and it works for new terms because sections are classified
by their heading words, not by name.
"""
from __future__ import annotations

import re

from indexer.glossary import INTRO

# Section heading words → the kinds of content the section holds.
_KIND_WORDS: list[tuple[str, str]] = [
    ("ユースケース", "usecase"), ("用途", "usecase"), ("事例", "usecase"), ("活用", "usecase"),
    ("利点", "benefit"), ("メリット", "benefit"), ("長所", "benefit"),
    ("特徴", "feature"), ("機能", "feature"),
    ("コンポーネント", "component"), ("構成", "component"), ("タイプ", "component"),
    ("種類", "component"), ("ソース", "component"),
    ("方法", "method"), ("対策", "method"), ("防止", "method"), ("手順", "method"),
    ("統合", "integration"), ("連携", "integration"), ("aws", "integration"),
    ("基本概念", "concept"), ("定義", "concept"),
]


def section_kinds(section: str) -> frozenset[str]:
    """Kinds of a section from its heading; the intro is its own kind."""
    if section == INTRO:
        return frozenset({"intro"})
    h = section.lower()
    return frozenset(kind for word, kind in _KIND_WORDS if word in h)


# Question wording → intents. Checked on the folded question (NFKC, lower case).
_INTENT_PATTERNS: dict[str, re.Pattern] = {
    k: re.compile(p)
    for k, p in {
        "usecase": r"ユースケース|使い道|用途|使われ|どんな(場面|時|とき|ケース)|どういう(場面|時|とき)|活用|事例|適用例"
        r"|(何|なに|なん)に使|(何|なに|なん)のため|どこで使|分野|場面|業界"
        r"|use ?cases?|used for|use it for|applications?|scenarios?|when (should|would|do|to) (i|you|we)( typically)? use"
        r"|typical(ly)? use",
        "benefit": r"利点|メリット|長所|良い点|いいところ|良いところ|よいところ|(何|なに|なん)がいい|(何|なに)が良|強み|魅力"
        r"|嬉しい|うれしい|価値|なぜ使|なんで使|効果|料金|コスト|費用|ベネフィット|アドバンテージ|バリュー"
        # Why adopt it at all, what is lost without it: the value of the thing, not its mechanism.
        r"|(使う|導入する|採用する|化する|入れる|挟む|置く)理由|わざわざ|存在意義|(何|なに)を失"
        r"|benefits?|advantages?|pros\b|cost|pric|good about|strengths?|\bbother|worth it|point of (using|having)"
        r"|why (should|would|do|does|did) [^?.]{0,60}\b(use|choose|adopt|put|add|need|want)\b|what (do|would|will) \w+ lose",
        "feature": r"特徴|特長|機能|できること|何ができ|なにができ|できますか|できる\?|られますか|られる\?|使えますか|使える\?|対応"
        r"|見れる|見られる|兆候|症状|サイン|フィーチャー|ファンクション|[ケキ]ャ?イパビリティ"
        r"|features?|capabilit|what can|can i |does it support|supports?|symptoms?|signs? of",
        "component": r"構成要素|コンポーネント|種類|タイプ|ターゲット|送信先|ソース|送信元|どこから|どこに|ステップ"
        r"|つなが|繋が|どんな(の|もの)が(ある|あり)"
        r"|components?|types?|targets?|sources?|kinds? of|formats?|languages?",
        "method": r"方法|どうやって|どうすれ|どのように|やり方|手順|仕方|防ぐ|防げ|防止|対策|対処|回避|避け|検出|見分け|気づ|見つけ"
        r"|するには|るには|たい$|たい[?？。]|[いきぎしちにびみりえけげせてねべめれ]方[はを?？]"
        r"|how (to|do|can|should|would)|prevent|avoid|detect|reduce|steps? to",
        "integration": r"連携|統合|組み合わせ|一緒に|と使|から使|aws(で|と|上)|つなが|繋が|integrat|together|connect"
        r"|with (sagemaker|aws|s3)",
        "concept": r"開発元|開発した|開発して|作った|誰が|どこが|どこの|提供元|種別|who (made|develop|built|created)|developed by",
        "definition": r"(?<!こ)とは|って何|ってなに|ってなん|なんですか|何ですか|何のこと|の意味|定義(は|を)?\W*$|定義を教|意味は|と呼ぶ|何と言|名前"
        r"|what (is|are)|what's|define|definition|meaning|什么是|是什么|이란|란|무엇|qu'est|c'est quoi|was ist",
    }.items()
}

# intent → {section kind: weight}. Definition wants the intro first and the basic concepts next.
_PRIORS: dict[str, dict[str, float]] = {
    "definition": {"intro": 1.0, "concept": 0.5},
    "concept": {"concept": 1.0},
    "feature": {"feature": 1.0, "component": 0.3},
    "component": {"component": 1.0, "feature": 0.2},
    "benefit": {"benefit": 1.0},
    "usecase": {"usecase": 1.0, "integration": 0.3},
    "method": {"method": 1.0, "integration": 0.3, "feature": 0.2},
    "integration": {"integration": 1.0, "component": 0.3},
}

# A definition pattern like 何ですか also appears in "主な特徴は何ですか": any more specific
# intent wins over it, and "what is X used for" is a use case, not a definition.
_SPECIFIC = ("usecase", "benefit", "feature", "component", "method", "integration", "concept")


# Wording that asks which service, feature or tool to choose (an exam stem's 「どのサービスを使うべき
# ですか」, "Which AWS service should the team use?"). Its other words describe the need (機能,
# 検出したい, 自動化したい), not the kind of section that answers: the answer is whichever term's
# section says it meets that need.
_CHOOSE = re.compile(r"使うべき|べき(サービス|機能|ツール)|最適な|適切な|どのサービス|どの機能|どのツール|どのaws"
                     r"|どれを使|(何|なに)を使|which (aws )?(service|feature|tool|option)s?\b"
                     r"|what (aws )?(service|feature|tool)s? (should|would|could|can|is|are|to)\b")


def asks_to_choose(folded: str) -> bool:
    """Whether the question asks which service, feature or tool to use."""
    return bool(_CHOOSE.search(folded))


def intent_words(folded: str) -> list[str]:
    """The stretches of a question that say which *kind* of answer is wanted (場面, 対処法,
    symptoms, main features): wording of the question, not a topic it is about."""
    return [m.group() for pat in _INTENT_PATTERNS.values() for m in pat.finditer(folded) if m.group().strip()]


def detect_intents(folded: str) -> list[str]:
    """Intents of the question, most specific first; [] when the wording says nothing."""
    found = [k for k, p in _INTENT_PATTERNS.items() if p.search(folded)]
    specific = [k for k in found if k in _SPECIFIC]
    if specific:
        # "とは" right after a name ("組み込みルールとは") still asks for a definition of it.
        return specific + (["definition"] if "definition" in found and re.search(r"(?<!こ)とは|what is|what's", folded) else [])
    return ["definition"] if "definition" in found else []


def prior(intents: list[str], kinds: frozenset[str]) -> float:
    """0..1.5: how well a section of these kinds fits what the question asks for. The best-fitting
    intent counts fully and every other one that fits adds a little, so "AWSで過学習を防ぐには"
    (method + integration) favours AWSでの対策 over the generic 防止策と対策. A definition
    tacked onto a specific intent ("組み込みルールとは", "what is X used for") counts little."""
    specific = any(i != "definition" for i in intents)
    fits = []
    for intent in intents:
        w = max((_PRIORS.get(intent, {}).get(k, 0.0) for k in kinds), default=0.0)
        fits.append(w * (0.3 if intent == "definition" and specific else 1.0))
    fits = sorted((f for f in fits if f > 0), reverse=True)
    if not fits:
        return 0.0
    return min(1.5, fits[0] + 0.25 * sum(fits[1:]))
