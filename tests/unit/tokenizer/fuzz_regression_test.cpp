// Inputs found by fuzzing (tests/fuzz/fuzz_sentencepiece_model.cpp, fuzz_tokenizer_json.cpp), each
// reproduced here as it was found (minimised) so the fix stays.
#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::ConfigError;
using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::testing::TempDir;

TEST_CASE("a SentencePiece model with a piece starting with NUL is a ConfigError, not a crash") {
  // A ModelProto: piece "<unk>" (type UNKNOWN), then piece "\0a". libsentencepiece's Darts trie
  // threw Darts::Details::Exception ("zero-length key"), which escaped load_tokenizer.
  const std::string model(
      "\x0a\x0e\x0a\x05<unk>\x15\x00\x00\x00\x00\x18\x02"
      "\x0a\x09\x0a\x02\x00"
      "a\x15mit\x00",
      27);
  const TempDir dir;
  const std::filesystem::path path = dir.write("nul_piece.model", model);
  try {
    (void)load_tokenizer(path);
    FAIL("no ConfigError");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::StartsWith("--tokenizer " + path.string() +
                                               ": not a usable SentencePiece model (") &&
                                 Catch::Contains("zero-length key"));
  }
}

TEST_CASE("a SentencePiece model that loads but cannot encode is a ConfigError at load") {
  // A BPE ModelProto: "<unk>", then "▁t" twice (first as CONTROL, then as a normal piece).
  // libsentencepiece loads it, then every Encode fails with "all normalized characters are not
  // consumed"; that failure escaped encode() as std::runtime_error in the middle of a run.
  const std::string model(
      "\x0a\x0e\x0a\x05<unk>\x15\x00\x00\x00\x00\x18\x02"
      "\x0a\x0d\x0a\x04\xe2\x96\x81t\x15\x00\x00\x00\x00\x18\x03"
      "\x0a\x0b\x0a\x04\xe2\x96\x81t\x15\x00\x00\x40\xc0"
      "\x12\x1d\x0a\x0a"
      "corpus.txt\x12\x03"
      "bpe\x18\x02\x20\x30\x55\x00\x00\x80\xff\x88\x02\x00",
      75);
  const TempDir dir;
  const std::filesystem::path path = dir.write("cannot_encode.model", model);
  try {
    (void)load_tokenizer(path);
    FAIL("no ConfigError");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::StartsWith("--tokenizer " + path.string() +
                                               ": not a usable SentencePiece model (it cannot "
                                               "encode text: ") &&
                                 Catch::Contains("not consumed"));
  }
}
