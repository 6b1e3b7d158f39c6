"""The packages' plain data (build progress, build report, staleness) worded in Japanese for the
app; the command-line front ends word the same data in English (indexer/cli_text.py)."""
from __future__ import annotations

from indexer.progress import BuildProgress, Stage
from indexer.store import BuildReport, Staleness

from .text import format_seconds

_STAGES = {
    Stage.READING: "用語集を読み込んでいます…",
    Stage.UP_TO_DATE: "インデックスは最新です",
    Stage.LOADING_MODEL: "埋め込みモデルを準備しています…",
    Stage.WRITING: "インデックスを書き込んでいます…",
    Stage.DONE: "完了しました",
}


def progress_ja(event: BuildProgress) -> str:
    if event.stage is Stage.EMBEDDING:
        return f"埋め込みを計算しています… {event.done}/{event.total}"
    return _STAGES[event.stage]


def report_ja(report: BuildReport) -> str:
    """A BuildReport as one Japanese sentence."""
    if report.up_to_date:
        return f"インデックスは最新でした（{report.chunk_count} チャンク、更新なし）。"
    return (
        f"インデックスを更新しました：{report.chunk_count} チャンク"
        f"（追加 {report.added}・変更 {report.changed}・削除 {report.removed}・再利用 {report.reused}、"
        f"埋め込み {report.embedded} 件、{format_seconds(report.seconds)}）。"
    )


def staleness_ja(staleness: Staleness) -> str:
    if staleness.missing:
        return "インデックスがまだありません。"
    parts = []
    if staleness.model_changed:
        parts.append("設定のモデルがインデックスと異なります")
    for label, files in (("変更", staleness.changed), ("追加", staleness.added), ("削除", staleness.removed)):
        if files:
            parts.append(f"{label}: {', '.join(files)}")
    return "、".join(parts) if parts else "最新です"
