"""Synthetic glossaries in the seed's format, for measuring growth (bench/bench_scale.py).

    .venv/bin/python bench/synth_glossary.py --terms 500 --out /tmp/g500

Writes ``<out>/glossary_NNN.md`` files of ``## term`` / intro / ``### section`` / ``- **label**: text``
(at most 250 terms a file, as a team would split a large glossary) and an empty ``aliases.yaml``.
Text is varied, not copied: every term draws its name, headings, labels and sentences from word
lists with its own seeded generator, so BM25 and the embeddings see a realistic spread of
vocabulary, and term ``i`` is the same in every size (the 500-term glossary holds the 50 first terms
of the 5,000-term one). Terms are shorter than the seed's (2 sections of 2-3 bullets instead of 6 of
5-7) so that 5,000 of them can be embedded on a 2-core machine within the benchmark's budget.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

TERMS_PER_FILE = 250

SERVICES = ["Amazon SageMaker", "AWS Glue", "Amazon S3", "Amazon Kinesis", "AWS Lambda", "Amazon Athena",
            "Amazon Bedrock", "Amazon Comprehend", "Amazon Rekognition", "Amazon Textract", "AWS Step Functions",
            "Amazon EMR", "Amazon Redshift", "Amazon DynamoDB", "Amazon CloudWatch", "AWS IAM", "Amazon ECR",
            "Amazon Personalize", "Amazon Forecast", "Amazon Transcribe", "Amazon Polly", "Amazon Translate",
            "Amazon OpenSearch Service", "AWS Batch", "Amazon EventBridge", "AWS CloudTrail", "Amazon QuickSight"]
ADJ = [("分散", "distributed"), ("適応", "adaptive"), ("確率的", "stochastic"), ("階層", "hierarchical"),
       ("増分", "incremental"), ("疎", "sparse"), ("多段", "multi-stage"), ("非同期", "asynchronous"),
       ("連合", "federated"), ("半教師あり", "semi-supervised"), ("自己回帰", "autoregressive"),
       ("対照", "contrastive"), ("重み付き", "weighted"), ("動的", "dynamic"), ("量子化", "quantized"),
       ("正規化", "normalized"), ("再帰", "recursive"), ("局所", "local"), ("大域", "global"), ("因果", "causal")]
NOUN = [("特徴量抽出", "feature extraction"), ("勾配推定", "gradient estimation"), ("埋め込み", "embedding"),
        ("クラスタリング", "clustering"), ("異常検知", "anomaly detection"), ("推論キャッシュ", "inference cache"),
        ("データ分割", "data partitioning"), ("モデル監視", "model monitoring"), ("ラベル付け", "labeling"),
        ("ハイパーパラメータ探索", "hyperparameter search"), ("特徴量ストア", "feature store"),
        ("時系列予測", "time-series forecasting"), ("次元削減", "dimensionality reduction"),
        ("アンサンブル", "ensemble"), ("蒸留", "distillation"), ("注意機構", "attention"), ("再ランキング", "reranking"),
        ("バッチ推論", "batch inference"), ("ドリフト検出", "drift detection"), ("サンプリング", "sampling"),
        ("正則化", "regularization"), ("損失関数", "loss function"), ("データ拡張", "data augmentation"),
        ("評価指標", "evaluation metric"), ("パイプライン", "pipeline")]
HEADINGS = ["基本概念", "主な特徴", "使用例", "注意点", "関連サービス", "設定項目", "評価方法", "利点", "制約",
            "実装のポイント", "試験での出題傾向", "ベストプラクティス", "よくある誤解", "コスト"]
LABELS = ["定義", "目的", "仕組み", "入力", "出力", "利点", "欠点", "代表例", "関連用語", "設定", "指標", "対策",
          "前提条件", "適用場面", "計算量", "料金", "制限", "監視", "セキュリティ", "運用"]
OBJECTS = ["学習データ", "推論リクエスト", "特徴量", "モデルの重み", "ログ", "メトリクス", "ラベル", "検証セット",
           "エンドポイント", "ストリーミングデータ", "テキスト", "画像", "時系列", "埋め込みベクトル", "ハイパーパラメータ"]
VERBS = ["集約する", "変換する", "監視する", "圧縮する", "分割する", "評価する", "可視化する", "正規化する",
         "保存する", "配信する", "検出する", "再学習する", "暗号化する", "並列化する", "要約する"]
QUALITIES = ["低遅延で", "大規模に", "自動的に", "再現性を保って", "少ないコストで", "段階的に", "安全に",
             "リアルタイムに", "高い精度で", "説明可能な形で"]
EFFECTS = ["精度が向上する", "学習時間が短縮される", "過学習が抑えられる", "運用負荷が下がる", "コストが削減される",
           "推論の遅延が減る", "偏りが検出しやすくなる", "再現性が高まる", "メモリ使用量が減る", "障害に強くなる"]
TEMPLATES = [
    "{service}で{obj}を{quality}{verb}ための手法",
    "{obj}を{verb}ことで{effect}",
    "{quality}{obj}を{verb}場合に使われ、{effect}",
    "{service}と組み合わせると{obj}を{quality}{verb}ことができる",
    "{obj}の{n}割以上を{verb}と{effect}",
    "{en}とも呼ばれ、{obj}を{verb}処理の中心となる",
    "設定を誤ると{obj}を{verb}際に{effect}とは限らない",
]


def term_name(i: int) -> tuple[str, str]:
    """Unique (Japanese, English) name for term i: two word lists and the index."""
    rng = random.Random(f"name-{i}")
    ja_adj, en_adj = rng.choice(ADJ)
    ja_noun, en_noun = rng.choice(NOUN)
    return f"{ja_adj}{ja_noun}{i:04d}（{en_adj} {en_noun} {i}）", f"{en_adj} {en_noun}"


def sentence(rng: random.Random, english: str) -> str:
    return rng.choice(TEMPLATES).format(service=rng.choice(SERVICES), obj=rng.choice(OBJECTS), verb=rng.choice(VERBS),
                                        quality=rng.choice(QUALITIES), effect=rng.choice(EFFECTS), en=english,
                                        n=rng.randint(2, 9))


def term_markdown(i: int) -> str:
    rng = random.Random(f"term-{i}")
    name, english = term_name(i)
    lines = [f"## {name}", "", f"{name.split('（')[0]}は、{sentence(rng, english)}。", ""]
    for heading in rng.sample(HEADINGS, 2):
        lines += [f"### {heading}", ""]
        for label in rng.sample(LABELS, rng.randint(2, 3)):
            lines.append(f"- **{label}**: {sentence(rng, english)}")
        lines.append("")
    return "\n".join(lines)


def write_glossary(n_terms: int, out: Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("glossary_*.md"):
        old.unlink()
    for f, start in enumerate(range(0, n_terms, TERMS_PER_FILE)):
        terms = [term_markdown(i) for i in range(start, min(n_terms, start + TERMS_PER_FILE))]
        title = f"# 合成用語集 {f + 1}（{n_terms} 語）\n\n"
        (out / f"glossary_{f:03d}.md").write_text(title + "\n".join(terms), encoding="utf-8")
    (out / "aliases.yaml").write_text("# none: synthetic terms have no other names\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic glossary in the seed's format.")
    parser.add_argument("--terms", type=int, required=True, help="number of terms")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (its glossary_*.md are replaced)")
    args = parser.parse_args()
    write_glossary(args.terms, args.out)
    print(f"wrote {args.terms} terms to {args.out}")


if __name__ == "__main__":
    main()
