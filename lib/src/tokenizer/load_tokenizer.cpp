#include <fmt/format.h>

#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::tokenizer {

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  throw ConfigError(fmt::format("--tokenizer {}: local tokenizers are not built yet", path.string()));
}

}  // namespace llmpace::tokenizer
