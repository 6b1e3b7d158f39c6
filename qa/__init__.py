"""Question answering over the glossary: hybrid retrieval, extractive cited answers, abstention.

    from qa import build_answerer
    answerer = build_answerer(resources)          # once per loaded index (BM25, entry vectors)
    answer = answerer.ask("過学習を防ぐには？")      # Answer(found, answer, citations, ...)

One small module per concern, so each can be read (and replaced) alone:

    clean      user text → safe question text (+ notice when cut)
    shape      the question's shape: question sentence, pasted choices, comparison, reference back
    variants   how people type: kana readings, kanji homophones, misspelt Latin names
    identifiers  code identifiers → the words they are made of (ConditionStep → condition step)
    letters    Latin letters said aloud → the letters (エーダブリューエス → AWS)
    tokenize   SudachiPy tokens (normalised forms, compounds and their parts)
    aliases    knowledge/aliases.yaml: other names of terms and words
    intent     question wording → wanted section kind; headings → section kinds
    query      question → keyword query, named terms, intents, concepts
    keyword    bm25s over sections and entries
    dense      E5 over sections (FAISS) and entries
    fusion     reciprocal rank fusion
    retriever  all of the above → one score per section
    abstain    the evidence rules (named terms, names in passing, coverage)
    calibrate  answer or not: a logistic regression over evidence (qa/abstain_model.json)
    compose    pick entries, compose the [n]-cited answer
    records    Answer / Citation: what a question produces
    answerer   build_answerer / Answerer.ask(question, history=...), the entry point
    eval       python -m qa.eval: metrics per set, style and retriever; k-fold out-of-fold on the fitting sets
"""
from .records import Answer, Citation, SectionRef
from .answerer import Answerer, build_answerer
from .compose import AnswerPart, answer_parts

__all__ = ["Answer", "AnswerPart", "Answerer", "Citation", "SectionRef", "answer_parts", "build_answerer"]
