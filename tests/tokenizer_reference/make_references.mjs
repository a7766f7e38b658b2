// Makes the fixtures and reference encodings of the tokenizer agreement test (docs/tokenizers.md).
//
//   node make_references.mjs OUT_DIR
//
// 1. Fixtures: tokenizer.json files built from the real vocabularies that npm packages ship,
//    written to OUT_DIR (in the build tree; they are large and never committed):
//      llama3.json       Llama 3's vocabulary and merges from llama3-tokenizer-js (Split regex +
//                        ByteLevel, ignore_merges, merges as pairs, BOS template)
//      llama3_merges_only.json  the same without ignore_merges, merges as "a b" strings
//      cl100k_base.json  js-tiktoken's ranks turned into a byte-level BPE (merges as "a b")
//      o200k_base.json   likewise, with o200k's case-aware regex
//      gpt2.json         likewise, with the ByteLevel pre-tokenizer's own GPT-2 regex
//      gpt2_nfc.json     gpt2.json with an NFC normalizer
//    A tiktoken vocabulary becomes a BPE one as Hugging Face's conversions do it: the vocabulary
//    is each token's bytes in the byte-level alphabet -> its rank, and the merge of each token of
//    two or more bytes is found by running tiktoken's BPE on its bytes with only the ranks below
//    its own; merges are listed in rank order. ignore_merges is set, as tiktoken looks a whole
//    piece up before merging.
// 2. Reference encodings of the test corpus by independent JavaScript implementations, as JSONL
//    {"text": ..., "ids": [...]} files, one per fixture, implementation and special-token mode:
//      llama3-tokenizer-js (bos on/off, never eos), js-tiktoken (special tokens allowed), and
//      @huggingface/tokenizers loading the very fixture file.
// 3. OUT_DIR/manifest.json listing them for compare.py.
//
// The corpus is corpus.txt (records separated by lines holding only "%%"), each of its lines,
// all of it at once, long runs, and pseudo-random mixes from a seeded generator (below).
// Nothing is redone when OUT_DIR/stamp.json matches this script, the corpus and the lockfile.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k_base from "js-tiktoken/ranks/cl100k_base";
import gpt2 from "js-tiktoken/ranks/gpt2";
import o200k_base from "js-tiktoken/ranks/o200k_base";
import llama3Tokenizer from "llama3-tokenizer-js";

const here = path.dirname(fileURLToPath(import.meta.url));

// --- the byte-level alphabet (GPT-2's bytes_to_unicode) -----------------------------------------

const BYTE_TO_CHAR = (() => {
  const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  const table = [];
  let next = 0x100;
  for (let b = 0; b < 256; ++b) table.push(String.fromCodePoint(printable(b) ? b : next++));
  return table;
})();

/** Byte-level string of a latin1 string (one char per byte). */
const byteLevel = (latin1) => {
  let out = "";
  for (let i = 0; i < latin1.length; ++i) out += BYTE_TO_CHAR[latin1.charCodeAt(i)];
  return out;
};

// --- the corpus ---------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the random records are the same on every run. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Code point ranges the generator draws from. Only blocks whose letters, marks and digits were
// all assigned by Unicode 13, so that PCRE2 10.42 (Unicode 14) and V8 (Unicode 15.1) classify
// every character alike. U+0085 (NEL), U+FEFF and U+180E are left out here: JavaScript's \s
// takes U+FEFF and not U+0085, unlike Unicode White_Space (what the Rust implementations and
// llmpace match); they are in WHITESPACE_EDGES, checked against @huggingface/tokenizers only.
const RANGES = [
  [0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0x30, 0x39], [0x00, 0x1f], [0xa0, 0xff],
  [0x100, 0x17f], [0x180, 0x24f], [0x300, 0x36f], [0x391, 0x3c9], [0x400, 0x4ff], [0x531, 0x556],
  [0x5d0, 0x5ea], [0x620, 0x64a], [0x660, 0x669], [0x900, 0x97f], [0xe01, 0xe3a], [0x10a0, 0x10fa],
  [0x1100, 0x11ff], [0x1e00, 0x1eff], [0x2000, 0x200a], [0x2010, 0x2027], [0x2030, 0x205e],
  [0x20a0, 0x20bf], [0x2100, 0x214f], [0x2190, 0x21ff], [0x2460, 0x24ff], [0x2500, 0x257f],
  [0x3000, 0x303f], [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x9fa5], [0xac00, 0xd7a3],
  [0xff01, 0xff5e], [0x1d400, 0x1d4ff], [0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f680, 0x1f6c5],
  [0x1f900, 0x1f9ff], [0x20000, 0x2a6d6],
];
const WORDS = [
  "the", "The", " of", "tokenizer", "request", "latency", "Straße", "naïve", "café", "über",
  "I'm", "you're", "they'll", "DON'T", "we've", "she'd", "it's", "IT'S", "O'Neill", "rock'n'roll",
  "vLLM", "llama.cpp", "p99", "TTFT", "http://127.0.0.1:8000/v1", "user@example.com", "#include",
  "std::vector<int>", "0x7fff", "1e-9", "12345678", "3.14159", "-42", "1,000,000", "2024-06-01",
  "日本語", "中文", "한국어", "Ελληνικά", "русский", "العربية", "עברית", "हिन्दी", "ไทย",
  "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "❤️", "🇫🇷", "<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>",
  "<|endof", "|>", "<|", "<|fim_prefix|>", "<|endofprompt|>",
];
const SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", " \t", "\r\n", "   \n", "", ".", ", "];

function randomRecord(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const parts = [];
  const count = 1 + Math.floor(random() * 40);
  for (let i = 0; i < count; ++i) {
    const choice = random();
    if (choice < 0.35) {
      parts.push(pick(WORDS));
    } else if (choice < 0.55) {
      parts.push(pick(SEPARATORS));
    } else {
      const [low, high] = pick(RANGES);
      const length = 1 + Math.floor(random() * 6);
      for (let j = 0; j < length; ++j) {
        parts.push(String.fromCodePoint(low + Math.floor(random() * (high - low + 1))));
      }
    }
  }
  return parts.join("");
}

/** Long pieces (more than 64 bytes) take the BPE model's heap path. */
const LONG_RUNS = [
  " ".repeat(3000), "\n".repeat(200), "\t".repeat(100) + "x", "a".repeat(1000), "ab".repeat(400),
  "Supercalifragilisticexpialidocious".repeat(20), "1234567890".repeat(50), "!".repeat(500),
  "=-".repeat(300), "😀".repeat(200), "👩‍👩‍👧‍👦".repeat(40), "漢字".repeat(300), "é".repeat(400),
  "e\u0301".repeat(100), "ﬁ".repeat(50), "x" + " ".repeat(70) + "y", " ".repeat(65) + "\n",
];

/** Whitespace where JavaScript's \s, PCRE2's \s and Unicode White_Space differ, and neighbours
 * that make the difference visible (a space-like character next to punctuation or a letter). */
const WHITESPACE_EDGES = ["\u0085", "\ufeff", "\u180e", "\u00a0", "\u2028", "\u3000", "\u000b"]
  .flatMap((c) => [
    `a${c}b`, `${c}!`, `a${c}!`, `!${c}`, `${c}${c}x`, `x ${c}\n`, `x${c} y`, `1${c}2`, `${c}`,
    `end${c}`, `${c}\n\n`, `"${c}"`, `a ${c} b`, ` ${c}`, `${c} `, `  ${c}  `, `${c}  a`,
    `\n${c}\n`, `a  ${c}`, `a  ${c}${c}`, `${c}  ${c}  !`,
  ]);

function corpusRecords() {
  const text = fs.readFileSync(path.join(here, "corpus.txt"), "utf8");
  const records = text.split("\n%%\n").filter((record) => record.length > 0);
  const lines = text.split("\n").filter((line) => line.length > 0 && line !== "%%");
  const random = seededRandom(20240601);
  const generated = Array.from({ length: 1500 }, () => randomRecord(random));
  const whole = records.join("\n");
  return [...records, ...lines, whole, ...LONG_RUNS, ...generated];
}

// --- fixtures -----------------------------------------------------------------------------------

const addedToken = (content, id) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
});

function splitThenByteLevel(pattern) {
  return {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}

function tokenizerJson({ normalizer = null, preTokenizer, postProcessor, model, added }) {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer,
    pre_tokenizer: preTokenizer,
    post_processor: postProcessor,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model,
  };
}

function llama3Fixture() {
  const tokenizer = llama3Tokenizer;
  const vocab = {};
  const added = [];
  tokenizer.vocabById.forEach((token, id) => {
    if (id < 128000) vocab[token] = id;
    else added.push(addedToken(token, id));
  });
  const merges = [...tokenizer.merges.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([key]) => key.split(" "));
  const bos = "<|begin_of_text|>";
  return tokenizerJson({
    preTokenizer: splitThenByteLevel(
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    postProcessor: {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [
            { SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
            { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } },
          ],
          special_tokens: { [bos]: { id: bos, ids: [128000], tokens: [bos] } },
        },
      ],
    },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab, merges,
    },
    added,
  });
}

/** The tokens of a js-tiktoken ranks file, as latin1 strings (one char per byte) by rank. */
function tiktokenTokens(ranks) {
  const tokens = [];
  for (const line of ranks.bpe_ranks.split("\n")) {
    if (!line) continue;
    const [, offset, ...encoded] = line.split(" ");
    encoded.forEach((token, i) => {
      tokens.push([Buffer.from(token, "base64").toString("latin1"), Number(offset) + i]);
    });
  }
  return tokens.sort((a, b) => a[1] - b[1]);
}

/** The two parts tiktoken's BPE splits `token` into with ranks below `maxRank`, or null. */
function lastMerge(token, maxRank, rankOf) {
  let parts = [...token];
  for (;;) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; ++i) {
      const rank = rankOf.get(parts[i] + parts[i + 1]);
      if (rank !== undefined && rank < bestRank) {
        best = i;
        bestRank = rank;
      }
    }
    if (best < 0) break;
    parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
  }
  return parts.length === 2 ? parts : null;
}

function tiktokenFixture(ranks, { byteLevelRegex = false, normalizer = null } = {}) {
  const tokens = tiktokenTokens(ranks);
  const rankOf = new Map(tokens);
  const vocab = {};
  const merges = [];
  let unreachable = 0;
  for (const [token, rank] of tokens) {
    vocab[byteLevel(token)] = rank;
    if (token.length < 2) continue;
    const parts = lastMerge(token, rank, rankOf);
    if (parts) merges.push(`${byteLevel(parts[0])} ${byteLevel(parts[1])}`);
    else ++unreachable;  // only a whole-piece lookup (ignore_merges) reaches it
  }
  const preTokenizer = byteLevelRegex
    ? { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true }
    : splitThenByteLevel(ranks.pat_str);
  const json = tokenizerJson({
    normalizer,
    preTokenizer,
    postProcessor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "",
      end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab, merges,
    },
    added: Object.entries(ranks.special_tokens).map(([content, id]) => addedToken(content, id)),
  });
  return { json, unreachable };
}

// --- references ---------------------------------------------------------------------------------

function writeJsonl(file, texts, encode) {
  const lines = texts.map((text) => JSON.stringify({ text, ids: encode(text) }));
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return lines.length;
}

function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error("usage: node make_references.mjs OUT_DIR");
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const hash = crypto.createHash("sha256");
  for (const file of ["make_references.mjs", "corpus.txt", "package-lock.json"]) {
    hash.update(fs.readFileSync(path.join(here, file)));
  }
  const stamp = JSON.stringify({ inputs: hash.digest("hex") });
  const stampFile = path.join(outDir, "stamp.json");
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp) {
    console.log(`make_references: ${outDir} is up to date`);
    return;
  }
  fs.rmSync(stampFile, { force: true });

  const texts = corpusRecords();
  const manifest = { corpus_records: texts.length, fixtures: [] };
  const started = Date.now();

  const addFixture = (name, json, references, note) => {
    const file = path.join(outDir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(json));
    const hf = new HfTokenizer(json, {});
    const entry = { name, tokenizer: file, note, references: [] };
    const add = (implementation, addSpecialTokens, inputs, encode) => {
      const mode = addSpecialTokens ? "special" : "plain";
      const out = path.join(outDir, `${name}.${implementation.replace(/\W+/g, "_")}.${mode}.jsonl`);
      writeJsonl(out, inputs, encode);
      entry.references.push({ implementation, add_special_tokens: addSpecialTokens, file: out });
    };
    for (const [implementation, addSpecialTokens, encode] of references) {
      add(implementation, addSpecialTokens, texts, encode);
    }
    // @huggingface/tokenizers translates \s to \p{White_Space} in Split regexes (not in its
    // ByteLevel regex), so only it can check the whitespace edges, and only with a Split.
    const withEdges = json.pre_tokenizer.type === "Sequence";
    for (const addSpecialTokens of [false, true]) {
      if (addSpecialTokens && !json.post_processor.processors) continue;
      add("@huggingface/tokenizers", addSpecialTokens,
          withEdges ? [...texts, ...WHITESPACE_EDGES] : texts,
          (text) => hf.encode(text, { add_special_tokens: addSpecialTokens }).ids);
    }
    manifest.fixtures.push(entry);
    console.log(`make_references: ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };

  const llama3 = llama3Fixture();
  addFixture("llama3", llama3, [
    ["llama3-tokenizer-js", false, (text) => llama3Tokenizer.encode(text, { bos: false, eos: false })],
    ["llama3-tokenizer-js", true, (text) => llama3Tokenizer.encode(text, { bos: true, eos: false })],
  ]);
  // The same vocabulary by merges alone (ignore_merges off changes a few lines of the corpus:
  // Llama 3 has tokens its merges do not make), with merges written as "a b" strings.
  llama3.model.ignore_merges = false;
  llama3.model.merges = llama3.model.merges.map(([left, right]) => `${left} ${right}`);
  addFixture("llama3_merges_only", llama3, []);
  for (const [name, ranks, options] of [
    ["cl100k_base", cl100k_base, {}],
    ["o200k_base", o200k_base, {}],
    ["gpt2", gpt2, { byteLevelRegex: true }],
  ]) {
    const { json, unreachable } = tiktokenFixture(ranks, options);
    const tiktoken = new Tiktoken(ranks);
    const note = `${unreachable} tokens have no merge (reached only whole)`;
    addFixture(name, json, [["js-tiktoken", false, (text) => tiktoken.encode(text, "all")]], note);
    if (name === "gpt2") {
      json.normalizer = { type: "NFC" };
      addFixture("gpt2_nfc", json, [
        ["js-tiktoken on String.normalize('NFC')", false,
         (text) => tiktoken.encode(text.normalize("NFC"), "all")],
      ], note);
    }
  }
  fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  fs.writeFileSync(stampFile, stamp);
}

main();
