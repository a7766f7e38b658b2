// Fuzz target: loading a Hugging Face tokenizer.json (tokenizer/tokenizer.hpp). load_tokenizer
// takes a path, so the input goes to a scratch file; inputs that are not a JSON object are left
// to fuzz_sentencepiece_model. Loading either throws ConfigError or gives a tokenizer that encodes
// and decodes any text without throwing: here the input itself and a fixed sentence.
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
  if (first == std::string_view::npos || content[first] != '{') return 0;
  static const llmpace::fuzz::ScratchFile scratch;
  const auto path = scratch.write("tokenizer.json", content);

  std::unique_ptr<llmpace::tokenizer::Tokenizer> tokenizer;
  try {
    tokenizer = llmpace::tokenizer::load_tokenizer(path);
  } catch (const llmpace::ConfigError&) {
    return 0;
  }
  FUZZ_CHECK(tokenizer != nullptr);
  (void)tokenizer->description();
  for (const std::string_view text :
       {content, std::string_view("Hello world! The server's 12345 tokens\n\tstreamed.")}) {
    for (const bool special : {false, true}) {
      const std::vector<llmpace::tokenizer::TokenId> ids = tokenizer->encode(text, special);
      (void)tokenizer->decode(ids);
    }
  }
  return 0;
}
