#!/usr/bin/env python3
"""Writes the starting seeds of the fuzz targets into OUT/<target>/, from tests/data (captured SSE
streams, datasets, the golden report), scenarios/*.yaml, the URLs of tests/unit/http/url_test.cpp
and a few small hand-written inputs, each
with the option bytes its target reads first (see the target's comment). The committed corpora in
tests/fuzz/corpus/ are these seeds and what fuzzing found, minimised with -merge=1
(docs/development.md, "Fuzzing"). The SentencePiece seeds are models trained with
libsentencepiece's trainer (SentencePieceTrainer::Train) on the sentences of
tests/unit/tokenizer/sentencepiece_test.cpp, with --model_type bpe, unigram, char and word,
--vocab_size 48, 300, 40 and 40, --normalization_rule_name=identity (no 240 KB normalizer map),
--character_coverage=1.0 --hard_vocab_limit=false, and --byte_fallback=true for unigram; they
are committed as they are (this script does not train).

Usage: tests/fuzz/make_seeds.py OUT
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def write(out, target, name, content):
    directory = out / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(content if isinstance(content, bytes) else content.encode())


def split_header(sizes):
    """fuzz_support.hpp's SplitInput header: a count, then the piece sizes."""
    return bytes([len(sizes)] + sizes)


def events(stream):
    """(event name, data) of each event of a captured stream (enough of SSE for these files)."""
    name, data, out = "message", [], []
    for line in stream.replace("\r\n", "\n").split("\n"):
        if line == "":
            if data:
                out.append((name, "\n".join(data)))
            name, data = "message", []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            name = line[6:].strip()
    return out


HAND_STREAMS = [
    b"event: error\ndata: {\"error\": {\"message\": \"overloaded\"}}\n\n",
    b": keep-alive\nid: 7\nretry: 100\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n"
    b"data: second line\n\ndata: [DONE]\n\n",
    b"\xef\xbb\xbfdata: {\"choices\":[{\"text\":\"x\",\"finish_reason\":\"length\"}]}\r\r"
    b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\r\n\r\n",
    b"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hm\"}}]}\n\ndata: {\"choi",
    b"data:no space\nevent:\nid\ndata\n\n",
]

HAND_CHUNKS = [
    b'{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}',
    b'{"choices":[{"index":0,"delta":{"reasoning":"because"},"finish_reason":null}]}',
    b'{"choices":[{"index":0,"text":"","finish_reason":"stop"}],"usage":null}',
    b'{"object":"error","message":"flat vLLM ErrorResponse","type":"BadRequestError","code":400}',
    b'{"error":"a string"}',
    b'{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"bc"}}]}',
    b" [DONE] ",
]

SCENARIOS = [
    # GuideLLM's spelling, as JSON (tests/integration/scenario_test.cpp).
    """{
  "target": "http://127.0.0.1:1",
  "rate_type": "constant",
  "rate": [20],
  "max_requests": 20,
  "random_seed": 11,
  "warmup_percent": 0.1,
  "backend_args": {"headers": {"X-Run": "${env:LLMPACE_TEST_RUN}"}, "timeout": 60,
                   "verify": false},
  "data": ["prompt_tokens=64,prompt_tokens_stdev=8,prompt_tokens_min=1,output_tokens=8"],
  "outputs": ["json", "csv"],
  "output_dir": "out"
}
""",
    # llmpace's spelling: lists, a nested data map, a header reference, an SLO.
    """target: http://127.0.0.1:8000
api: chat
profile: constant
rate: [1, 2.5, 4]
max_seconds: 30
max_requests: 1000
max_concurrency: 8
when_full: drop
header:
  - "Authorization: Bearer ${env:TOKEN}"
api_key: sk-literal
data:
  prompt_tokens: 128
  output_tokens: 64
seed: 7
warmup: 10%
slo: {ttft_ms: 200, tpot_ms: 50}
output: [report.json, report.html]
""",
]


def tokenizer_json(pre_tokenizer, post_processor, normalizer=None, merges_as_pairs=True,
                   all_bytes=False):
    """A tiny byte-level BPE tokenizer.json like tests/unit/tokenizer/tokenizer_files.hpp's; with
    all_bytes, a token for every byte, else only for the bytes of its merges and the space (small
    enough for a short -max_len)."""
    byte_chars = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(
        range(0xAE, 0x100))
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in byte_chars:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    kept = range(256) if all_bytes else [ord(c) for c in " aehlortw"]
    vocab = {mapping[byte]: byte for byte in kept}
    merged = ["Ġt", "he", "Ġthe", "lo", "low", "er", "lower", "aa", "re"]
    for i, token in enumerate(merged):
        vocab[token] = 256 + i
    pairs = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["l", "o"], ["lo", "w"], ["e", "r"],
             ["low", "er"], ["a", "a"], ["r", "e"]]
    merges = pairs if merges_as_pairs else [" ".join(pair) for pair in pairs]

    def added(content, token_id, special):
        return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": special}

    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added("<|bos|>", 300, True), added("<|eot|>", 301, True),
                         added("ab", 302, False)],
        "normalizer": normalizer, "pre_tokenizer": pre_tokenizer, "post_processor": post_processor,
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": vocab, "merges": merges},
    }, ensure_ascii=False, separators=(",", ":"))


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
              "use_regex": False}
BOS_TEMPLATE = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [],
                "special_tokens": {"<|bos|>": {"id": "<|bos|>", "ids": [300],
                                               "tokens": ["<|bos|>"]}}}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])

    streams = sorted(DATA.glob("*.sse"))
    for path in streams:
        stream = path.read_bytes()
        api = 1 if "completions" in path.name else 0
        write(out, "sse_parser", path.stem, b"\x00" + split_header([]) + stream)
        write(out, "sse_parser", path.stem + "-pieces", b"\x01" + split_header([1, 7, 64]) + stream)
        write(out, "stream_recorder", path.stem, bytes([api]) + split_header([]) + stream)
        write(out, "stream_recorder", path.stem + "-pieces",
              bytes([api | 2]) + split_header([0, 13, 200]) + stream)
        for i, (name, data) in enumerate(events(stream.decode())):
            option = api | (2 if name == "error" else 0)
            write(out, "chunk_decoder", f"{path.stem}-{i}", bytes([option]) + data.encode())
    for i, stream in enumerate(HAND_STREAMS):
        write(out, "sse_parser", f"hand-{i}", bytes([i & 1]) + split_header([3, 1]) + stream)
        write(out, "stream_recorder", f"hand-{i}", bytes([i & 3]) + split_header([5]) + stream)
    for i, chunk in enumerate(HAND_CHUNKS):
        write(out, "chunk_decoder", f"hand-{i}", bytes([i & 1]) + chunk)
    write(out, "chunk_decoder", "error-event", b"\x02" + HAND_CHUNKS[4])

    # Dataset options (fuzz_dataset.cpp): byte 0 extension (0 .jsonl, 1 .json, 2 .csv) and
    # flags (8 replay timestamps, 64 samples, 128 column), byte 1 samples and column choice.
    dataset_options = {
        "array.json": [(1, 0)], "broken.jsonl": [(0, 0)], "burstgpt.csv": [(2, 0), (2 | 8, 0)],
        "messages.jsonl": [(0, 0), (0 | 128, 3 << 3)], "mooncake_trace.jsonl": [(0 | 8, 0)],
        "quoted.csv": [(2, 0), (2 | 64 | 4, 2)], "sharegpt.json": [(1, 0), (1 | 128, 2 << 3)],
    }
    for name, options in dataset_options.items():
        content = (DATA / "datasets" / name).read_bytes()
        for first, second in options:
            write(out, "dataset", f"{name}-{first}-{second}", bytes([first, second]) + content)

    write(out, "tokenizer_json", "llama3-like",
          tokenizer_json({"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
               "invert": False}, BYTE_LEVEL]},
              {"type": "Sequence", "processors": [
                  {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False},
                  BOS_TEMPLATE]}, all_bytes=True))
    write(out, "tokenizer_json", "llama3-like-small",
          tokenizer_json({"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
               "invert": False}, BYTE_LEVEL]}, BOS_TEMPLATE))
    write(out, "tokenizer_json", "gpt2-like",
          tokenizer_json(dict(BYTE_LEVEL, use_regex=True),
                         {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False},
                         merges_as_pairs=False))
    write(out, "tokenizer_json", "nfc-roberta",
          tokenizer_json({"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated",
               "invert": False}, BYTE_LEVEL]},
              {"type": "RobertaProcessing", "sep": ["<|eot|>", 301], "cls": ["<|bos|>", 300],
               "trim_offsets": True, "add_prefix_space": False},
              normalizer={"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "NFKD"}]}))

    for name in ["report.json", "compare.json"]:
        write(out, "report_reader", name, (DATA / "golden" / name).read_bytes())
    # Small reports for a short -max_len: one benchmark, and none; metric_definitions are not read.
    report = json.loads((DATA / "golden" / "report.json").read_text())
    del report["metric_definitions"]
    for name, benchmarks in [("report-one-benchmark", report["benchmarks"][:1]),
                             ("report-no-benchmarks", [])]:
        write(out, "report_reader", name,
              json.dumps(dict(report, benchmarks=benchmarks), separators=(",", ":")))

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        write(out, "scenario_reader", path.name, path.read_bytes())
    for i, text in enumerate(SCENARIOS):
        write(out, "scenario_reader", f"hand-{i}", text)

    url_test = (ROOT / "tests" / "unit" / "http" / "url_test.cpp").read_text()
    urls = sorted(set(re.findall(r'"([A-Za-z][A-Za-z0-9+.-]*://[^"\\]*)"', url_test)))
    urls += ["http://user:s3cret@host/", "https://[fe80::1%25eth0]:8443/a/v1?x=1", "http://h:0"]
    for i, url in enumerate(urls):
        write(out, "url", f"url-{i}", url)


if __name__ == "__main__":
    main()
