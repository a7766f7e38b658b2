// The simulator's deterministic tokenizer, vLLM's POST /tokenize and /detokenize bodies, and the
// prefix-cache block hashes of a prompt.
//
// Token model: one token per whitespace-separated word (the same split as count_words). A word of
// the built-in vocabulary (kVocabularyWords words; the first 16 are output_word's lorem ipsum
// words in order) has its index as id. Any other word has the id kVocabularyWords +
// FNV-1a-64(word) % (kVocabSize - kVocabularyWords), except the placeholder "tok<id>" (decimal,
// no sign, no leading zero) of an id in [kVocabularyWords, kMaxTokenId], which has that id. So
// detokenize writes every id it cannot spell as "tok<id>", and tokenize(detokenize(ids)) == ids
// for every list of valid ids. Text is not preserved: "Hello, world" detokenizes to placeholders.
// Prompts add special tokens like a Llama 3 model: BOS before a completions prompt, and a chat
// template around messages (chat_prompt_token_ids in sim_request.hpp).
//
// Pure functions; no I/O; safe from any thread (the vocabulary index is built once, on first use,
// by a thread-safe static initialiser).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "llmpace/sim/sim_request.hpp"

namespace llmpace::sim {

/// Words in the built-in vocabulary: ids [0, kVocabularyWords).
inline constexpr std::int64_t kVocabularyWords = 256;
/// Size of the id space: every id in [0, kVocabSize) is valid. 2^31, so ids fit in an int32.
inline constexpr std::int64_t kVocabSize = std::int64_t{1} << 31;
inline constexpr std::int64_t kMaxTokenId = kVocabSize - 1;

/// The characters that separate words (and so tokens): space, \t, \n, \r, \f, \v.
constexpr bool is_token_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// True if `id` is in [0, kMaxTokenId].
constexpr bool is_valid_token_id(std::int64_t id) { return id >= 0 && id <= kMaxTokenId; }

/// The id of one word (a non-empty string without separators).
std::int64_t word_token_id(std::string_view word);

/// One id per whitespace-separated word of `text`; size() == count_words(text).
std::vector<std::int64_t> tokenize(std::string_view text);

/// Appends the ids of `text` to `ids` (for prompts made of several texts).
void append_tokens(std::string_view text, std::vector<std::int64_t>& ids);

/// The word of `id`: its vocabulary word, or "tok<id>". Precondition: is_valid_token_id(id).
std::string token_string(std::int64_t id);

/// The words of `ids` joined by single spaces. Precondition: every id is valid.
std::string detokenize(std::span<const std::int64_t> ids);

/// The id of output token `index`: tokenize(output_word(index)) == {output_token_id(index)}.
std::int64_t output_token_id(std::int64_t index);

/// vLLM-style chained prefix-cache hashes: one per FULL block of `block_size_tokens` tokens;
/// hash i = H(hash i-1, ids of block i) (hash -1 being a fixed root), so hash i identifies the
/// whole prefix of (i + 1) * block_size_tokens tokens. A partial last block has no hash;
/// block_size_tokens < 1 gives no hashes. H is FNV-1a 64 over little-endian 64-bit words.
std::vector<std::uint64_t> prefix_block_hashes(std::span<const std::int64_t> token_ids,
                                               std::int64_t block_size_tokens);

/// POST /tokenize. A body with `messages` is a TokenizeChatRequest (tokens as in a chat
/// completion: chat_prompt_token_ids); otherwise a TokenizeCompletionRequest whose `prompt` must
/// be a string (BOS added unless add_special_tokens is false). add_generation_prompt and
/// continue_final_message shape the chat template (both true is a 400, as in vLLM), and
/// add_special_tokens (default false for chat) adds a second BOS, as vLLM does. The answer is
/// {"count","max_model_len","tokens","token_strs"}, token_strs null unless return_token_strs.
/// Bad JSON or fields give 400; a `model` other than `served_model` gives 404.
std::variant<std::string, ApiError> tokenize_response(std::string_view request_body,
                                                      std::string_view served_model,
                                                      std::int64_t max_model_len);

/// POST /detokenize: {"model"?, "tokens":[ids]} to {"prompt": detokenize(ids)}. A missing or
/// non-array `tokens`, or an id that is not an integer in [0, kMaxTokenId], gives 400; a `model`
/// other than `served_model` gives 404.
std::variant<std::string, ApiError> detokenize_response(std::string_view request_body,
                                                        std::string_view served_model);

}  // namespace llmpace::sim
