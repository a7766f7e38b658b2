#include "llmpace/sim/sim_tokenizer.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

namespace llmpace::sim {
namespace {

using Json = nlohmann::json;

// The built-in vocabulary: output_word's 16 lorem ipsum words in its order, then common English
// words. Lowercase letters only, so no word looks like a "tok<id>" placeholder.
constexpr std::array<std::string_view, kVocabularyWords> kVocabulary{
    "lorem",   "ipsum",    "dolor",   "sit",    "amet",    "consectetur", "adipiscing", "elit",
    "sed",     "do",       "tempor",  "magna",  "ut",      "labore",      "et",         "aliqua",
    "the",     "of",       "and",     "to",     "a",       "in",          "is",         "it",
    "you",     "that",     "he",      "was",    "for",     "on",          "are",        "with",
    "as",      "i",        "his",     "they",   "be",      "at",          "one",        "have",
    "this",    "from",     "or",      "had",    "by",      "not",         "word",       "but",
    "what",    "some",     "we",      "can",    "out",     "other",       "were",       "all",
    "there",   "when",     "up",      "use",    "your",    "how",         "said",       "an",
    "each",    "she",      "which",   "their",  "time",    "if",          "will",       "way",
    "about",   "many",     "then",    "them",   "write",   "would",       "like",       "so",
    "these",   "her",      "long",    "make",   "thing",   "see",         "him",        "two",
    "has",     "look",     "more",    "day",    "could",   "go",          "come",       "did",
    "number",  "sound",    "no",      "most",   "people",  "my",          "over",       "know",
    "water",   "than",     "call",    "first",  "who",     "may",         "down",       "side",
    "been",    "now",      "find",    "any",    "new",     "work",        "part",       "take",
    "get",     "place",    "made",    "live",   "where",   "after",       "back",       "little",
    "only",    "round",    "man",     "year",   "came",    "show",        "every",      "good",
    "me",      "give",     "our",     "under",  "name",    "very",        "through",    "just",
    "form",    "sentence", "great",   "think",  "say",     "help",        "low",        "line",
    "differ",  "turn",     "cause",   "much",   "mean",    "before",      "move",       "right",
    "boy",     "old",      "too",     "same",   "tell",    "does",        "set",        "three",
    "want",    "air",      "well",    "also",   "play",    "small",       "end",        "put",
    "home",    "read",     "hand",    "port",   "large",   "spell",       "add",        "even",
    "land",    "here",     "must",    "big",    "high",    "such",        "follow",     "act",
    "why",     "ask",      "men",     "change", "went",    "light",       "kind",       "off",
    "need",    "house",    "picture", "try",    "us",      "again",       "animal",     "point",
    "mother",  "world",    "near",    "build",  "self",    "earth",       "father",     "head",
    "stand",   "own",      "page",    "should", "country", "found",       "answer",     "school",
    "grow",    "study",    "still",   "learn",  "plant",   "cover",       "food",       "sun",
    "four",    "between",  "state",   "keep",   "eye",     "never",       "last",       "let",
    "thought", "city",     "tree",    "cross",  "farm",    "hard",        "start",      "might",
    "story",   "saw",      "far",     "sea",    "draw",    "left",        "late",       "run"};

constexpr std::string_view kPlaceholderPrefix = "tok";
constexpr std::int64_t kOutputWords = 16;  // sim_response.cpp's output_word cycle

constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

std::uint64_t fnv1a_word(std::uint64_t hash, std::uint64_t word) {
  for (int byte = 0; byte < 8; ++byte) {
    hash ^= (word >> (8 * byte)) & 0xffu;
    hash *= kFnvPrime;
  }
  return hash;
}

const std::unordered_map<std::string_view, std::int64_t>& vocabulary_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, std::int64_t> map;
    map.reserve(kVocabulary.size());
    for (std::size_t i = 0; i < kVocabulary.size(); ++i) {
      map.emplace(kVocabulary[i], static_cast<std::int64_t>(i));
    }
    return map;
  }();
  return index;
}

// The id of a canonical "tok<id>" placeholder of a hashed-range id, if `word` is one.
std::optional<std::int64_t> placeholder_id(std::string_view word) {
  if (!word.starts_with(kPlaceholderPrefix)) return std::nullopt;
  const std::string_view digits = word.substr(kPlaceholderPrefix.size());
  if (digits.empty() || digits.size() > 10 || digits.front() == '0') return std::nullopt;
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (id < kVocabularyWords || id > kMaxTokenId) return std::nullopt;
  return id;
}

std::variant<Json, ApiError> parse_object(std::string_view body, std::string_view served_model) {
  Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return bad_request("The request body is not valid JSON.");
  if (!request.is_object()) return bad_request("The request body must be a JSON object.");
  if (auto error = check_model(request, served_model)) return std::move(*error);
  return request;
}

// The ids of a TokenizeChatRequest, or of a TokenizeCompletionRequest (a string prompt).
std::variant<std::vector<std::int64_t>, ApiError> tokenize_request_ids(const Json& request) {
  const auto messages = request.find("messages");
  if (messages != request.end() && !messages->is_null()) {
    ChatTemplateOptions options;  // vLLM's TokenizeChatRequest defaults
    if (auto error = read_bool(request, "add_special_tokens", options.add_special_tokens))
      return std::move(*error);
    if (auto error = read_bool(request, "add_generation_prompt", options.add_generation_prompt)) {
      return std::move(*error);
    }
    if (auto error = read_bool(request, "continue_final_message", options.continue_final_message)) {
      return std::move(*error);
    }
    if (options.add_generation_prompt && options.continue_final_message) {
      return bad_request(
          "Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
    }
    return chat_prompt_token_ids(request, options);
  }
  bool add_special_tokens = true;  // TokenizeCompletionRequest's default
  if (auto error = read_bool(request, "add_special_tokens", add_special_tokens))
    return std::move(*error);
  const auto prompt = request.find("prompt");
  if (prompt == request.end() || prompt->is_null()) return bad_request("Field required: prompt");
  if (!prompt->is_string()) return bad_request("prompt must be a string");
  return completion_text_token_ids(prompt->get_ref<const std::string&>(), add_special_tokens);
}

}  // namespace

std::int64_t word_token_id(std::string_view word) {
  const auto& index = vocabulary_index();
  if (const auto found = index.find(word); found != index.end()) return found->second;
  if (const auto id = placeholder_id(word)) return *id;
  const auto hashed_ids = static_cast<std::uint64_t>(kVocabSize - kVocabularyWords);
  return kVocabularyWords + static_cast<std::int64_t>(fnv1a(kFnvOffsetBasis, word) % hashed_ids);
}

void append_tokens(std::string_view text, std::vector<std::int64_t>& ids) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    while (begin < text.size() && is_token_separator(text[begin])) ++begin;
    std::size_t end = begin;
    while (end < text.size() && !is_token_separator(text[end])) ++end;
    if (end > begin) ids.push_back(word_token_id(text.substr(begin, end - begin)));
    begin = end;
  }
}

std::vector<std::int64_t> tokenize(std::string_view text) {
  std::vector<std::int64_t> ids;
  append_tokens(text, ids);
  return ids;
}

std::string token_string(std::int64_t id) {
  if (id >= 0 && id < kVocabularyWords)
    return std::string{kVocabulary[static_cast<std::size_t>(id)]};
  return fmt::format("{}{}", kPlaceholderPrefix, id);
}

std::string detokenize(std::span<const std::int64_t> ids) {
  std::string text;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += ' ';
    text += token_string(ids[i]);
  }
  return text;
}

std::int64_t output_token_id(std::int64_t index) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(index) % kOutputWords);
}

std::vector<std::uint64_t> prefix_block_hashes(std::span<const std::int64_t> token_ids,
                                               std::int64_t block_size_tokens) {
  std::vector<std::uint64_t> hashes;
  if (block_size_tokens < 1) return hashes;
  const auto block = static_cast<std::size_t>(block_size_tokens);
  hashes.reserve(token_ids.size() / block);
  std::uint64_t parent = kFnvOffsetBasis;  // the root
  for (std::size_t begin = 0; begin + block <= token_ids.size(); begin += block) {
    std::uint64_t hash = fnv1a_word(kFnvOffsetBasis, parent);
    for (const std::int64_t id : token_ids.subspan(begin, block)) {
      hash = fnv1a_word(hash, static_cast<std::uint64_t>(id));
    }
    hashes.push_back(hash);
    parent = hash;
  }
  return hashes;
}

std::variant<std::string, ApiError> tokenize_response(std::string_view request_body,
                                                      std::string_view served_model,
                                                      std::int64_t max_model_len) {
  auto parsed = parse_object(request_body, served_model);
  if (auto* error = std::get_if<ApiError>(&parsed)) return std::move(*error);
  const Json& request = std::get<Json>(parsed);
  bool return_token_strs = false;
  if (auto error = read_bool(request, "return_token_strs", return_token_strs)) {
    return std::move(*error);
  }
  auto ids = tokenize_request_ids(request);
  if (auto* error = std::get_if<ApiError>(&ids)) return std::move(*error);
  const auto& tokens = std::get<std::vector<std::int64_t>>(ids);

  nlohmann::ordered_json body{{"count", tokens.size()},
                              {"max_model_len", max_model_len},
                              {"tokens", tokens},
                              {"token_strs", nullptr}};
  if (return_token_strs) {
    auto& strs = body["token_strs"] = nlohmann::ordered_json::array();
    for (const std::int64_t id : tokens) strs.push_back(token_string(id));
  }
  return body.dump();
}

std::variant<std::string, ApiError> detokenize_response(std::string_view request_body,
                                                        std::string_view served_model) {
  auto parsed = parse_object(request_body, served_model);
  if (auto* error = std::get_if<ApiError>(&parsed)) return std::move(*error);
  const Json& request = std::get<Json>(parsed);
  const auto tokens = request.find("tokens");
  if (tokens == request.end() || tokens->is_null()) return bad_request("Field required: tokens");
  if (!tokens->is_array()) return bad_request("tokens must be a list of token ids");
  std::vector<std::int64_t> ids;
  ids.reserve(tokens->size());
  for (const Json& token : *tokens) {
    const bool in_range =
        token.is_number_unsigned()
            ? token.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxTokenId)
            : token.is_number_integer() && is_valid_token_id(token.get<std::int64_t>());
    if (!in_range) {
      return bad_request(
          fmt::format("tokens must be integers in [0, {}], got {}", kMaxTokenId, token.dump()));
    }
    ids.push_back(token.get<std::int64_t>());
  }
  return Json{{"prompt", detokenize(ids)}}.dump();
}

}  // namespace llmpace::sim
