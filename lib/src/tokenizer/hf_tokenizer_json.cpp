// tokenizer.json -> HfTokenizer. See hf_tokenizer_json.hpp.
#include "hf_tokenizer_json.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "hf_tokenizer.hpp"
#include "llmpace/core/error.hpp"

namespace llmpace::tokenizer::detail {
namespace {

using nlohmann::json;

constexpr std::string_view kSupported = "(byte-level BPE tokenizer.json or SentencePiece .model)";

/// The "type" of a component object; `what` names the component in messages.
std::string type_of(const json& component, std::string_view what) {
  if (!component.is_object()) {
    throw ConfigError(fmt::format("{}: expected an object, got {}", what, component.type_name()));
  }
  const auto it = component.find("type");
  if (it == component.end() || !it->is_string()) {
    throw ConfigError(fmt::format("{}: no \"type\"", what));
  }
  return it->get<std::string>();
}

/// component[key] when present and not null; nullptr otherwise.
const json* optional_member(const json& component, const char* key) {
  const auto it = component.find(key);
  return it == component.end() || it->is_null() ? nullptr : &*it;
}

bool bool_member(const json& component, const char* key, bool fallback, std::string_view what) {
  const json* value = optional_member(component, key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    throw ConfigError(fmt::format("{}.{}: expected true or false", what, key));
  }
  return value->get<bool>();
}

std::string string_member(const json& component, const char* key, std::string_view what) {
  const json* value = optional_member(component, key);
  if (value == nullptr || !value->is_string()) {
    throw ConfigError(fmt::format("{}.{}: expected a string", what, key));
  }
  return value->get<std::string>();
}

TokenId id_value(const json& value, std::string_view what) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
      value.get<std::int64_t>() > std::numeric_limits<TokenId>::max()) {
    throw ConfigError(fmt::format("{}: expected a token id (a non-negative integer)", what));
  }
  return static_cast<TokenId>(value.get<std::int64_t>());
}

const json& array_member(const json& component, const char* key, std::string_view what) {
  const json* value = optional_member(component, key);
  if (value == nullptr || !value->is_array()) {
    throw ConfigError(fmt::format("{}.{}: expected an array", what, key));
  }
  return *value;
}

// --- normalizer -----------------------------------------------------------------------------

void add_normalizer(const json& component, Normalizer& normalizer, const std::string& what) {
  if (component.is_null()) return;
  const std::string type = type_of(component, what);
  if (type == "NFC") {
    normalizer.add(Normalizer::Form::nfc);
  } else if (type == "NFD") {
    normalizer.add(Normalizer::Form::nfd);
  } else if (type == "NFKC") {
    normalizer.add(Normalizer::Form::nfkc);
  } else if (type == "NFKD") {
    normalizer.add(Normalizer::Form::nfkd);
  } else if (type == "Sequence") {
    const json& steps = array_member(component, "normalizers", what);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      add_normalizer(steps[i], normalizer, fmt::format("{}.normalizers[{}]", what, i));
    }
  } else {
    throw ConfigError(fmt::format(
        "{}: type {} is not supported (null, NFC, NFD, NFKC, NFKD or a Sequence of them)", what,
        type));
  }
}

// --- pre-tokenizer --------------------------------------------------------------------------

void add_pre_tokenizer(const json& component, PreTokenizer& pre_tokenizer,
                       const std::string& what) {
  const std::string type = type_of(component, what);
  if (type == "ByteLevel") {
    pre_tokenizer.add_byte_level(bool_member(component, "add_prefix_space", true, what),
                                 bool_member(component, "use_regex", true, what));
  } else if (type == "Split") {
    const json* pattern = optional_member(component, "pattern");
    const std::string behavior = string_member(component, "behavior", what);
    if (behavior != "Isolated") {
      throw ConfigError(
          fmt::format("{}: Split behavior {} is not supported (only Isolated)", what, behavior));
    }
    if (bool_member(component, "invert", false, what)) {
      throw ConfigError(fmt::format("{}: Split with invert true is not supported", what));
    }
    if (pattern != nullptr && pattern->is_object() && pattern->contains("Regex") &&
        (*pattern)["Regex"].is_string()) {
      pre_tokenizer.add_split(RegexSplitter((*pattern)["Regex"].get<std::string>(), false));
    } else if (pattern != nullptr && pattern->is_object() && pattern->contains("String") &&
               (*pattern)["String"].is_string()) {
      pre_tokenizer.add_split(RegexSplitter((*pattern)["String"].get<std::string>(), true));
    } else {
      throw ConfigError(
          fmt::format("{}.pattern: expected {{\"Regex\": ...}} or {{\"String\": ...}}", what));
    }
  } else if (type == "Sequence") {
    const json& steps = array_member(component, "pretokenizers", what);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      add_pre_tokenizer(steps[i], pre_tokenizer, fmt::format("{}.pretokenizers[{}]", what, i));
    }
  } else {
    throw ConfigError(fmt::format(
        "{}: type {} is not supported (ByteLevel, Split or a Sequence of them; only byte-level "
        "BPE tokenizer.json files are supported)",
        what, type));
  }
}

// --- model ----------------------------------------------------------------------------------

std::pair<std::string, std::string> merge_at(const json& merge, std::size_t index) {
  if (merge.is_string()) {  // "a b": the parts never hold a space (it is 'Ġ' in the alphabet)
    const auto& text = merge.get_ref<const std::string&>();
    const std::size_t space = text.find(' ');
    if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
      throw ConfigError(fmt::format("model.merges[{}]: {:?} is not two tokens separated by a space",
                                    index, text));
    }
    return {text.substr(0, space), text.substr(space + 1)};
  }
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
    return {merge[0].get<std::string>(), merge[1].get<std::string>()};
  }
  throw ConfigError(fmt::format("model.merges[{}]: expected \"a b\" or [\"a\", \"b\"], got {}",
                                index, merge.dump()));
}

BpeConfig bpe_config(const json& model) {
  const std::string type = model.contains("type") ? type_of(model, "model") : "BPE";
  if (type != "BPE") {
    throw ConfigError(fmt::format("model type {} is not supported {}", type, kSupported));
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json* value = optional_member(model, key);
    if (value != nullptr && !(value->is_string() && value->get_ref<const std::string&>().empty())) {
      throw ConfigError(fmt::format("model.{} is not supported (byte-level BPE has none)", key));
    }
  }
  if (const json* dropout = optional_member(model, "dropout")) {
    if (!dropout->is_number() || dropout->get<double>() != 0.0) {
      throw ConfigError("model.dropout is not supported (tokenization would be random)");
    }
  }

  BpeConfig config;
  const json* vocab = optional_member(model, "vocab");
  if (vocab == nullptr || !vocab->is_object()) {
    throw ConfigError("model.vocab: expected an object of token -> id");
  }
  config.vocab.reserve(vocab->size());
  for (const auto& [token, id] : vocab->items()) {
    config.vocab.emplace_back(token, id_value(id, fmt::format("model.vocab[{:?}]", token)));
  }
  const json& merges = array_member(model, "merges", "model");
  config.merges.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) config.merges.push_back(merge_at(merges[i], i));
  config.ignore_merges = bool_member(model, "ignore_merges", false, "model");
  config.fuse_unk = bool_member(model, "fuse_unk", false, "model");
  if (optional_member(model, "unk_token") != nullptr) {
    config.unk_token = string_member(model, "unk_token", "model");
  }
  return config;
}

// --- added tokens ---------------------------------------------------------------------------

std::vector<AddedToken> added_tokens(const json& root) {
  std::vector<AddedToken> tokens;
  const json* list = optional_member(root, "added_tokens");
  if (list == nullptr) return tokens;
  if (!list->is_array()) throw ConfigError("added_tokens: expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string what = fmt::format("added_tokens[{}]", i);
    if (!entry.is_object()) throw ConfigError(what + ": expected an object");
    AddedToken token;
    token.content = string_member(entry, "content", what);
    const json* id = optional_member(entry, "id");
    if (id == nullptr) throw ConfigError(what + ".id: missing");
    token.id = id_value(*id, what + ".id");
    token.single_word = bool_member(entry, "single_word", false, what);
    token.lstrip = bool_member(entry, "lstrip", false, what);
    token.rstrip = bool_member(entry, "rstrip", false, what);
    token.special = bool_member(entry, "special", false, what);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// --- post-processor -------------------------------------------------------------------------

/// The ids of a TemplateProcessing special token, from its special_tokens table.
std::vector<TokenId> template_token_ids(const json& processor, const std::string& name,
                                        const std::string& what) {
  const json* table = optional_member(processor, "special_tokens");
  if (table == nullptr || !table->is_object() || !table->contains(name)) {
    throw ConfigError(fmt::format("{}: special token {:?} is not in special_tokens", what, name));
  }
  const json& ids =
      array_member((*table)[name], "ids", fmt::format("{}.special_tokens[{:?}]", what, name));
  std::vector<TokenId> result;
  for (const json& id : ids) result.push_back(id_value(id, what + ".special_tokens ids"));
  return result;
}

/// A [token, id] pair of RobertaProcessing / BertProcessing.
TokenId processing_token(const json& processor, const char* key, const std::string& what) {
  const json* pair = optional_member(processor, key);
  if (pair == nullptr || !pair->is_array() || pair->size() != 2) {
    throw ConfigError(fmt::format("{}.{}: expected [token, id]", what, key));
  }
  return id_value((*pair)[1], fmt::format("{}.{}", what, key));
}

/// Wraps `result` in what `processor` adds around a single sequence.
void apply_post_processor(const json& processor, SpecialTokenTemplate& result,
                          const std::string& what) {
  if (processor.is_null()) return;
  const std::string type = type_of(processor, what);
  if (type == "ByteLevel") return;  // only adjusts offsets
  if (type == "Sequence") {
    const json& steps = array_member(processor, "processors", what);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      apply_post_processor(steps[i], result, fmt::format("{}.processors[{}]", what, i));
    }
    return;
  }
  std::vector<TokenId> prefix;
  std::vector<TokenId> suffix;
  if (type == "TemplateProcessing") {
    const json& single = array_member(processor, "single", what);
    bool seen_sequence = false;
    for (std::size_t i = 0; i < single.size(); ++i) {
      const json& item = single[i];
      const std::string item_what = fmt::format("{}.single[{}]", what, i);
      if (item.is_object() && item.contains("SpecialToken")) {
        const std::string name = string_member(item["SpecialToken"], "id", item_what);
        const std::vector<TokenId> ids = template_token_ids(processor, name, what);
        std::vector<TokenId>& side = seen_sequence ? suffix : prefix;
        side.insert(side.end(), ids.begin(), ids.end());
      } else if (item.is_object() && item.contains("Sequence")) {
        const std::string id = string_member(item["Sequence"], "id", item_what);
        if (id != "A" || seen_sequence) {
          throw ConfigError(fmt::format(
              "{}: a single-sequence template must hold sequence A once, got {}", item_what, id));
        }
        seen_sequence = true;
      } else {
        throw ConfigError(fmt::format(
            "{}: expected {{\"SpecialToken\": ...}} or {{\"Sequence\": ...}}", item_what));
      }
    }
    if (!seen_sequence) throw ConfigError(what + ".single: no sequence A");
  } else if (type == "RobertaProcessing" || type == "BertProcessing") {
    prefix.push_back(processing_token(processor, "cls", what));
    suffix.push_back(processing_token(processor, "sep", what));
  } else {
    throw ConfigError(fmt::format(
        "{}: type {} is not supported (null, ByteLevel, TemplateProcessing, RobertaProcessing, "
        "BertProcessing or a Sequence of them)",
        what, type));
  }
  prefix.insert(prefix.end(), result.prefix.begin(), result.prefix.end());
  result.prefix = std::move(prefix);
  result.suffix.insert(result.suffix.end(), suffix.begin(), suffix.end());
}

}  // namespace

std::unique_ptr<Tokenizer> make_hf_tokenizer(const nlohmann::json& root, std::string file_name) {
  if (!root.is_object()) throw ConfigError("expected a JSON object");
  const json* model = optional_member(root, "model");
  if (model == nullptr || !model->is_object()) {
    throw ConfigError(
        "no \"model\" object (expected a Hugging Face tokenizer.json, not e.g. "
        "tokenizer_config.json)");
  }
  BpeModel bpe(bpe_config(*model));

  Normalizer normalizer;
  if (const json* component = optional_member(root, "normalizer")) {
    add_normalizer(*component, normalizer, "normalizer");
  }
  PreTokenizer pre_tokenizer;
  if (const json* component = optional_member(root, "pre_tokenizer")) {
    add_pre_tokenizer(*component, pre_tokenizer, "pre_tokenizer");
  }
  if (!pre_tokenizer.has_byte_level()) {
    throw ConfigError(
        "pre_tokenizer has no ByteLevel step: only byte-level BPE tokenizer.json files are "
        "supported (GPT-2, Llama 3, Qwen 2, Mistral Tekken style)");
  }
  SpecialTokenTemplate special_tokens;
  if (const json* component = optional_member(root, "post_processor")) {
    apply_post_processor(*component, special_tokens, "post_processor");
  }
  return std::make_unique<HfTokenizer>(std::move(normalizer), std::move(pre_tokenizer),
                                       std::move(bpe), AddedTokens(added_tokens(root)),
                                       std::move(special_tokens), std::move(file_name));
}

}  // namespace llmpace::tokenizer::detail
