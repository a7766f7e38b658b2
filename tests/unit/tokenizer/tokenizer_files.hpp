// Test support for the tokenizer module: a temporary directory removed at scope exit, and a tiny
// byte-level BPE tokenizer.json whose ids the tests can work out by hand.
//
// The tiny vocabulary: every byte b is token b (its byte-level string), then
//   256 "Ġt"  257 "he"  258 "Ġthe"  259 "lo"  260 "low"  261 "er"  262 "lower"  263 "aa"
//   264 "re"  265 "xyz" (no merge makes it: only ignore_merges reaches it)
// with the merges, in rank order: Ġ t, h e, Ġt he, l o, lo w, e r, low er, a a, r e.
// Added tokens: 300 <|bos|> and 301 <|eot|> (special), 302 "ab" and 303 "abc" (not special).
//
// Thread affinity: test thread only.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "llmpace/tokenizer/byte_level.hpp"
#include "support/temp_dir.hpp"

namespace llmpace::tokenizer::testing {

using llmpace::test::TempDir;

/// The Llama 3 pre-tokenizer regex.
inline constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

inline nlohmann::json added_token(std::string content, int id, bool special) {
  return {
      {"id", id},        {"content", std::move(content)}, {"single_word", false}, {"lstrip", false},
      {"rstrip", false}, {"normalized", false},           {"special", special}};
}

/// The tiny tokenizer.json described above: Llama 3 style (Split + ByteLevel, merges as pairs,
/// <|bos|> prepended by a TemplateProcessing post-processor), ignore_merges as given.
inline nlohmann::json tiny_tokenizer_json(bool ignore_merges = true) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int byte = 0; byte < 256; ++byte) {
    vocab[to_byte_level(std::string(1, static_cast<char>(byte)))] = byte;
  }
  const char* merged[] = {"Ġt", "he", "Ġthe", "lo", "low", "er", "lower", "aa", "re", "xyz"};
  for (int i = 0; i < 10; ++i) vocab[merged[i]] = 256 + i;
  // json::array: a braced list of string pairs alone would make an object.
  const nlohmann::json merges = nlohmann::json::array({{"Ġ", "t"},
                                                       {"h", "e"},
                                                       {"Ġt", "he"},
                                                       {"l", "o"},
                                                       {"lo", "w"},
                                                       {"e", "r"},
                                                       {"low", "er"},
                                                       {"a", "a"},
                                                       {"r", "e"}});
  nlohmann::json bos_template = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<|bos|>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair", nlohmann::json::array()},
      {"special_tokens",
       {{"<|bos|>", {{"id", "<|bos|>"}, {"ids", {300}}, {"tokens", {"<|bos|>"}}}}}}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens",
           {added_token("<|bos|>", 300, true), added_token("<|eot|>", 301, true),
            added_token("ab", 302, false), added_token("abc", 303, false)}},
          {"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"},
               {"pattern", {{"Regex", kLlama3Pattern}}},
               {"behavior", "Isolated"},
               {"invert", false}},
              {{"type", "ByteLevel"},
               {"add_prefix_space", false},
               {"trim_offsets", true},
               {"use_regex", false}}}}}},
          {"post_processor",
           {{"type", "Sequence"},
            {"processors",
             {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}},
              bos_template}}}},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", ignore_merges},
            {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace llmpace::tokenizer::testing
