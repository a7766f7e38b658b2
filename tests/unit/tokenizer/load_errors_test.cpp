// load_tokenizer's ConfigErrors: one line, naming the file and what is wrong with it.
#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::ConfigError;
using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;

namespace {

/// The message load_tokenizer throws for `path`; fails the test when it throws nothing else.
std::string error_for(const std::filesystem::path& path) {
  try {
    (void)load_tokenizer(path);
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.rfind("--tokenizer " + path.string() + ": ", 0) == 0);
    return message;
  }
  FAIL("no ConfigError for " << path);
  return {};
}

std::string error_for_json(const TempDir& dir, const nlohmann::json& json) {
  return error_for(dir.write("tokenizer.json", json.dump()));
}

}  // namespace

TEST_CASE("missing and unreadable files are ConfigErrors") {
  const TempDir dir;
  CHECK_THAT(error_for(dir.path() / "missing.json"), Catch::EndsWith(": no such file"));
  CHECK_THAT(error_for(dir.path()), Catch::Contains("is a directory"));
  CHECK_THAT(error_for(dir.write("empty.json", "")), Catch::EndsWith(": empty file"));
}

TEST_CASE("bad JSON and JSON that is not a tokenizer.json are ConfigErrors") {
  const TempDir dir;
  CHECK_THAT(error_for(dir.write("bad.json", "{\"model\": {")), Catch::Contains("not valid JSON"));
  CHECK_THAT(error_for(dir.write("config.json", R"({"add_bos_token": true})")),
             Catch::Contains("no \"model\" object"));
}

TEST_CASE("unsupported model types name the supported kinds") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  json["model"] = {{"type", "WordPiece"}, {"vocab", {{"[UNK]", 0}}}, {"unk_token", "[UNK]"}};
  const std::filesystem::path path = dir.write("wordpiece.json", json.dump());
  CHECK(error_for(path) == "--tokenizer " + path.string() +
                               ": model type WordPiece is not supported (byte-level BPE "
                               "tokenizer.json or SentencePiece .model)");
  json["model"] = {{"type", "Unigram"}, {"vocab", nlohmann::json::array()}};
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("model type Unigram is not supported"));
}

TEST_CASE("tokenizer.json parts llmpace cannot reproduce are ConfigErrors") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  json["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}};
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("type Metaspace is not supported"));

  json = tiny_tokenizer_json();
  json["pre_tokenizer"] = nullptr;
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("no ByteLevel step"));

  json = tiny_tokenizer_json();
  json["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed";
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("Split behavior Removed is not supported"));

  json = tiny_tokenizer_json();
  json["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("does not compile"));

  json = tiny_tokenizer_json();
  json["normalizer"] = {{"type", "Lowercase"}};
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("normalizer: type Lowercase"));

  json = tiny_tokenizer_json();
  json["post_processor"] = {{"type", "Custom"}};
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("post_processor: type Custom"));

  json = tiny_tokenizer_json();
  json["model"]["dropout"] = 0.1;
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("model.dropout is not supported"));
}

TEST_CASE("inconsistent vocabularies and merges are ConfigErrors") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  json["model"]["merges"].push_back({"x", "q"});
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("\"xq\" is not in the vocabulary"));

  json = tiny_tokenizer_json();
  json["model"]["merges"].push_back("one-part");
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("not two tokens separated by a space"));

  json = tiny_tokenizer_json();
  json["model"]["vocab"]["bad"] = -3;
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("expected a token id"));

  json = tiny_tokenizer_json();
  json["model"]["vocab"] = nlohmann::json::array();
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("model.vocab"));

  json = tiny_tokenizer_json();
  json["model"]["unk_token"] = "<unk>";
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("unk_token \"<unk>\" is not in the"));

  json = tiny_tokenizer_json();
  json["post_processor"]["processors"][1]["single"][0]["SpecialToken"]["id"] = "<|nope|>";
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("\"<|nope|>\" is not in special_tokens"));

  json = tiny_tokenizer_json();
  json["added_tokens"][0]["content"] = 7;
  CHECK_THAT(error_for_json(dir, json), Catch::Contains("added_tokens[0].content"));
}

TEST_CASE("a file that is neither kind says so") {
  const TempDir dir;
  CHECK_THAT(error_for(dir.write("random.bin", std::string("\x01\x02garbage\xFF", 11))),
             Catch::Contains("neither a tokenizer.json nor a SentencePiece .model"));
  CHECK_THAT(error_for(dir.write("text.txt", "just some text\n")),
             Catch::Contains("neither a tokenizer.json nor a SentencePiece .model"));
}
