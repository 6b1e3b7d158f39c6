"""An answer as Markdown text, laid out from its parts (never parsed from its text): the chat shows
the latest answer and its past turns with these, made once per message and kept with it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .text import md_escape, md_highlight

if TYPE_CHECKING:  # qa itself is imported when the first answer is laid out, not with the page
    from qa import Answer


def answer_markdown(answer: Answer) -> str:
    """The answer laid out from its parts (never from its text): intro quotes as one paragraph,
    other sections as a bold ``term › section:`` line over their bullets; everything escaped, the
    question's words highlighted in each quote."""
    from qa import answer_parts

    def quote(n: int, text: str) -> str:
        return f"{md_highlight(text, answer.citations[n - 1].matched)} \\[{n}\\]"

    lines = []
    for part in answer_parts(answer.citations):
        if part.is_intro:
            lines.append(" ".join(quote(n, text) for n, text in part.quotes))
        else:
            lines.append(f"**{md_escape(f'{part.term} › {part.section}:')}**")
            lines += [f"・{quote(n, text)}" for n, text in part.quotes]
    return "  \n".join(lines)


def sources_markdown(answer: Answer) -> str:
    """Where each quote comes from: ``［n］ term › section（file:line）``, one per line."""
    return "  \n".join(md_escape(f"［{i}］ {c.term} › {c.section}（{c.source}）")
                       for i, c in enumerate(answer.citations, start=1))


def turn_markdown(msg: dict, label: bool = True) -> str:
    """A past message as one escaped Markdown text (answer and its sources), made once and kept."""
    if msg["role"] == "user":
        text = md_escape(msg["text"])
        return f"**質問：** {text}" if label else text
    if "md" not in msg:
        answer: Answer = msg["answer"]
        body = answer_markdown(answer) if answer.found else md_escape(answer.message or "")
        msg["md"] = body + ("  \n" + sources_markdown(answer) if answer.citations else "")
    return msg["md"]
