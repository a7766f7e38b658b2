// `llmpace tokenize`: the ids a local tokenizer (a tokenizer.json or a SentencePiece .model) gives
// a text. Sends nothing anywhere; meant for checking prompt lengths and tokenizer files.
//
//   llmpace tokenize --tokenizer FILE [--text TEXT] [--add-special-tokens]
//       the text (--text, else all of stdin, byte for byte) as three lines: the tokenizer, the
//       number of tokens, the ids
//   llmpace tokenize --tokenizer FILE --jsonl [--add-special-tokens]
//       batch mode: each stdin line {"text": "..."} becomes one stdout line {"ids": [...]}
//
// Every bad input (tokenizer file, flags, a JSONL line that is not {"text": STRING}) is a
// ConfigError. Runs on the main thread.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::app {
namespace {

struct TokenizeFlags {
  std::string tokenizer;
  std::optional<std::string> text;
  bool add_special_tokens = false;
  bool jsonl = false;
};

/// The text of one JSONL line, {"text": STRING}.
std::string line_text(const std::string& line, std::size_t number) {
  const auto fail = [number](const std::string& why) {
    return ConfigError(fmt::format("--jsonl: stdin line {}: {}", number, why));
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& error) {
    throw fail(fmt::format("not JSON ({})", error.what()));
  }
  if (!value.is_object() || !value.contains("text") || !value["text"].is_string()) {
    throw fail("expected {\"text\": STRING}");
  }
  return value["text"].get<std::string>();
}

int run_jsonl(const tokenizer::Tokenizer& tokenizer, bool add_special_tokens) {
  std::string line;
  std::size_t number = 0;
  fmt::memory_buffer out;
  while (std::getline(std::cin, line)) {
    ++number;
    const std::vector<tokenizer::TokenId> ids =
        tokenizer.encode(line_text(line, number), add_special_tokens);
    fmt::format_to(std::back_inserter(out), "{{\"ids\":[{}]}}\n", fmt::join(ids, ","));
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

int run_tokenize(const TokenizeFlags& flags) {
  if (flags.jsonl && flags.text) {
    throw ConfigError("tokenize: --text and --jsonl do not go together (--jsonl reads stdin)");
  }
  const std::unique_ptr<tokenizer::Tokenizer> tokenizer =
      tokenizer::load_tokenizer(flags.tokenizer);
  if (flags.jsonl) return run_jsonl(*tokenizer, flags.add_special_tokens);

  std::string text;
  if (flags.text) {
    text = *flags.text;
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const std::vector<tokenizer::TokenId> ids = tokenizer->encode(text, flags.add_special_tokens);
  fmt::print("tokenizer: {}\ntokens: {}\nids: {}\n", tokenizer->description(), ids.size(),
             fmt::join(ids, " "));
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

Command add_tokenize_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand(
      "tokenize", "Show the token ids a local tokenizer.json or SentencePiece .model gives a text");
  auto flags = std::make_shared<TokenizeFlags>();
  cli->add_option("--tokenizer", flags->tokenizer,
                  "Hugging Face tokenizer.json (byte-level BPE) or SentencePiece .model file")
      ->required();
  cli->add_option("--text", flags->text, "Text to tokenize (default: all of stdin)");
  cli->add_flag("--add-special-tokens", flags->add_special_tokens,
                "Add the tokens the model's tokenizer adds to a prompt (e.g. BOS)");
  cli->add_flag("--jsonl", flags->jsonl,
                "Batch mode: read {\"text\": ...} lines from stdin, write {\"ids\": [...]} lines");
  return {cli, [flags] { return run_tokenize(*flags); }};
}

}  // namespace llmpace::app
