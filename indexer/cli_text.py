"""English wording of the indexer's plain data for the command-line front ends
(``python -m indexer``, ``python -m qa``); the app words the same data in Japanese."""
from __future__ import annotations

from .progress import BuildProgress, Stage
from .store import BuildReport, Staleness

_STAGES = {
    Stage.READING: "reading the glossary",
    Stage.UP_TO_DATE: "index up to date",
    Stage.LOADING_MODEL: "loading the model",
    Stage.WRITING: "writing the index",
    Stage.DONE: "done",
}


def progress_text(event: BuildProgress) -> str:
    if event.stage is Stage.EMBEDDING:
        return f"embedding {event.done}/{event.total} chunks"
    return _STAGES[event.stage]


def report_text(report: BuildReport) -> str:
    if report.up_to_date:
        return f"index up to date: {report.chunk_count} chunks, nothing to do ({report.seconds:.2f} s)"
    kind = "index rebuilt from scratch" if report.full else "index built"
    return (
        f"{kind}: {report.chunk_count} chunks — {report.added} added, {report.changed} changed, "
        f"{report.removed} removed, {report.reused} reused; {report.embedded} embedded in {report.seconds:.2f} s"
    )


def staleness_text(staleness: Staleness) -> str:
    if staleness.missing:
        return "no index has been built yet"
    parts = []
    if staleness.model_changed:
        parts.append("the configured model differs from the index's")
    for label, files in (("changed", staleness.changed), ("added", staleness.added), ("removed", staleness.removed)):
        if files:
            parts.append(f"{label}: {', '.join(files)}")
    return "; ".join(parts) if parts else "index is up to date"
