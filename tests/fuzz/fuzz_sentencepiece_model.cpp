// Fuzz target: loading a SentencePiece .model (tokenizer/tokenizer.hpp, through Debian's
// libsentencepiece, which is not instrumented: coverage guides only llmpace's side). load_tokenizer
// takes a path, so the input goes to a scratch file. Inputs that look like a tokenizer.json are
// left to fuzz_tokenizer_json; models with a precompiled normalizer map are skipped (see
// may_hold_charsmap). Loading either throws ConfigError or gives a tokenizer that encodes and
// decodes text without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"

namespace {

/// Reads a protobuf varint at `pos`; false when the bytes end first or it runs past 10 bytes.
bool read_varint(std::string_view bytes, std::size_t& pos, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 70 && pos < bytes.size(); shift += 7) {
    const auto byte = static_cast<std::uint8_t>(bytes[pos++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

enum class Walk { none, found, unknown };

/// Walks the fields of one protobuf message; calls on_field(number, payload) for each
/// length-delimited field. Walk::unknown for groups (which it does not follow).
template <typename OnField>
Walk walk_fields(std::string_view message, OnField&& on_field) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::uint64_t key = 0;
    std::uint64_t value = 0;
    if (!read_varint(message, pos, key)) return Walk::none;  // the parser refuses it too
    switch (key & 7) {
      case 0:
        if (!read_varint(message, pos, value)) return Walk::none;
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        if (!read_varint(message, pos, value) || value > message.size() - pos) return Walk::none;
        const Walk walk = on_field(key >> 3, message.substr(pos, value));
        if (walk != Walk::none) return walk;
        pos += value;
        break;
      }
      default:
        return Walk::unknown;
    }
  }
  return Walk::none;
}

/// True when the ModelProto's normalizer_spec (3) or denormalizer_spec (5) may hold a
/// precompiled_charsmap (2): a blob libsentencepiece 0.1.97 trusts; a malformed one crashes it
/// (SEGV in Normalizer::NormalizePrefix, reported in issue 13), so such models are left out.
bool may_hold_charsmap(std::string_view model) {
  return walk_fields(model, [](std::uint64_t field, std::string_view spec) {
           if (field != 3 && field != 5) return Walk::none;
           return walk_fields(spec, [](std::uint64_t inner, std::string_view blob) {
             return inner == 2 && !blob.empty() ? Walk::found : Walk::none;
           });
         }) != Walk::none;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && content[first] == '{') return 0;
  if (may_hold_charsmap(content)) return 0;
  static const llmpace::fuzz::ScratchFile scratch;
  const auto path = scratch.write("tokenizer.model", content);

  std::unique_ptr<llmpace::tokenizer::Tokenizer> tokenizer;
  try {
    tokenizer = llmpace::tokenizer::load_tokenizer(path);
  } catch (const llmpace::ConfigError&) {
    return 0;
  }
  FUZZ_CHECK(tokenizer != nullptr);
  (void)tokenizer->description();
  for (const bool special : {false, true}) {
    const std::vector<llmpace::tokenizer::TokenId> ids =
        tokenizer->encode("Hello world! The fast server streams 12345 tokens.\n", special);
    (void)tokenizer->decode(ids);
  }
  const std::vector<llmpace::tokenizer::TokenId> odd_ids = {0, 1, 2, 3, -1, 1 << 30};
  (void)tokenizer->decode(odd_ids);
  return 0;
}
