// Fuzz target: loading a SentencePiece .model (tokenizer/tokenizer.hpp, through Debian's
// libsentencepiece, which is not instrumented: coverage guides only llmpace's side). load_tokenizer
// takes a path, so the input goes to a scratch file; inputs that look like a tokenizer.json are
// left to fuzz_tokenizer_json. Loading either throws ConfigError or gives a tokenizer that encodes
// and decodes text without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && content[first] == '{') return 0;
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
