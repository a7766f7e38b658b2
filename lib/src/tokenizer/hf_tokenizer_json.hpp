// Reading a Hugging Face tokenizer.json into an HfTokenizer. Supported (everything else is a
// ConfigError naming the field, never a silently different tokenization):
//   model          BPE (vocab; merges as "a b" strings or ["a", "b"] pairs; ignore_merges;
//                  unk_token; fuse_unk; byte_fallback, which a byte-level vocabulary never needs;
//                  dropout null or 0; no continuing_subword_prefix / end_of_word_suffix)
//   normalizer     null, NFC, NFD, NFKC, NFKD, or a Sequence of them
//   pre_tokenizer  ByteLevel, Split (Regex or String pattern, behavior Isolated, invert false),
//                  or a Sequence of them; a ByteLevel step is required (byte-level BPE only)
//   post_processor null, ByteLevel, TemplateProcessing (its "single" template), RobertaProcessing,
//                  BertProcessing, or a Sequence of them
//   added_tokens   content, id, single_word, lstrip, rstrip, special
// The decoder is not read: decoding always maps tokens back to their bytes. truncation and
// padding are ignored (a prompt is counted whole).
//
// Thread affinity: a pure function of its arguments; call from any thread.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::tokenizer::detail {

/// Throws ConfigError (without the file name, which the caller prefixes) when `root` is not a
/// supported byte-level BPE tokenizer.json. `file_name` only goes into description().
std::unique_ptr<Tokenizer> make_hf_tokenizer(const nlohmann::json& root, std::string file_name);

}  // namespace llmpace::tokenizer::detail
