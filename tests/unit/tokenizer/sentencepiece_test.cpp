// SentencePiece .model files, through a tiny model trained here with libsentencepiece's trainer
// (so no model file is shipped or downloaded).
#include <sentencepiece_trainer.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::testing::TempDir;

namespace {

/// Trains a small BPE model (<unk> 0, <s> 1, </s> 2) on made-up sentences; returns its path.
std::filesystem::path train_model(const TempDir& dir) {
  std::string corpus;
  const char* words[] = {"load", "token", "server", "latency", "stream", "request", "prompt",
                         "the",  "a",     "of",     "fast",    "slow",   "queue",   "batch"};
  for (int i = 0; i < 400; ++i) {
    for (int j = 0; j < 8; ++j) {
      corpus += words[(i * 7 + j * 3) % 14];
      corpus += j == 7 ? ".\n" : " ";
    }
  }
  const std::filesystem::path input = dir.write("corpus.txt", corpus);
  const std::string prefix = (dir.path() / "tiny").string();
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + input.string() + " --model_prefix=" + prefix +
      " --vocab_size=64 --model_type=bpe --character_coverage=1.0 --hard_vocab_limit=false"
      " --minloglevel=2");
  INFO(status.ToString());
  REQUIRE(status.ok());
  return prefix + ".model";
}

}  // namespace

TEST_CASE("a SentencePiece model encodes and decodes with BOS on request") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(train_model(dir));
  const std::string text = "the fast server streams a slow request";
  const std::vector<TokenId> plain = tokenizer->encode(text, false);
  const std::vector<TokenId> with_bos = tokenizer->encode(text, true);
  REQUIRE_FALSE(plain.empty());
  CHECK(with_bos.size() == plain.size() + 1);
  CHECK(with_bos.front() == 1);  // <s>
  CHECK(std::vector<TokenId>(with_bos.begin() + 1, with_bos.end()) == plain);
  CHECK(tokenizer->decode(plain) == text);
  CHECK(tokenizer->decode(with_bos) == text);  // control tokens decode to nothing
  const std::vector<TokenId> out_of_range{plain.front(), 100000, -5};
  CHECK_NOTHROW(tokenizer->decode(out_of_range));
  CHECK_THAT(tokenizer->description(), Catch::StartsWith("SentencePiece, "));
  CHECK_THAT(tokenizer->description(), Catch::EndsWith(" tokens (tiny.model)"));
}
