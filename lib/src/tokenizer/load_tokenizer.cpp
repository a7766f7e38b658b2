// load_tokenizer: reads the file and picks the kind by content: a JSON object (first
// non-whitespace byte '{') is a tokenizer.json, anything else is tried as a SentencePiece model.
// Every failure is a ConfigError "--tokenizer FILE: ...". Runs on the caller's thread.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>

#include "hf_tokenizer_json.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "sentencepiece_tokenizer.hpp"

namespace llmpace::tokenizer {
namespace {

std::string read_file(const std::filesystem::path& path, const std::string& prefix) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw ConfigError(prefix + "no such file");
  if (std::filesystem::is_directory(status)) {
    throw ConfigError(prefix + "is a directory (give the tokenizer.json or .model file in it)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(prefix + fmt::format("cannot open ({})", std::strerror(errno)));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ConfigError(prefix + "read error");
  return content;
}

bool looks_like_json(const std::string& content) {
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  return first != std::string::npos && content[first] == '{';
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  const std::string prefix = fmt::format("--tokenizer {}: ", path.string());
  const std::string content = read_file(path, prefix);
  if (content.empty()) throw ConfigError(prefix + "empty file");
  const std::string file_name = path.filename().string();
  try {
    if (looks_like_json(content)) {
      nlohmann::json root;
      try {
        root = nlohmann::json::parse(content);
      } catch (const nlohmann::json::parse_error& error) {
        throw ConfigError(fmt::format("not valid JSON ({})", error.what()));
      }
      return detail::make_hf_tokenizer(root, file_name);
    }
    try {
      return std::make_unique<detail::SentencePieceTokenizer>(content, file_name);
    } catch (const ConfigError& error) {
      // A protobuf that is a model, but one libsentencepiece refuses, keeps its own message.
      if (std::string_view(error.what()) != detail::kNotSentencePiece) throw;
      throw ConfigError("neither a tokenizer.json nor a SentencePiece .model");
    }
  } catch (const ConfigError& error) {
    throw ConfigError(prefix + error.what());
  } catch (const nlohmann::json::exception& error) {
    throw ConfigError(prefix + fmt::format("unexpected tokenizer.json layout ({})", error.what()));
  }
}

}  // namespace llmpace::tokenizer
