// The byte-level BPE of tokenizer.json on the tiny tokenizer of tokenizer_files.hpp, whose ids
// are worked out by hand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::Tokenizer;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;
using Ids = std::vector<TokenId>;

namespace {

std::unique_ptr<Tokenizer> tiny(const TempDir& dir, const nlohmann::json& json) {
  return load_tokenizer(dir.write("tokenizer.json", json.dump()));
}

}  // namespace

TEST_CASE("BPE merges by rank") {
  const TempDir dir;
  const auto tokenizer = tiny(dir, tiny_tokenizer_json(/*ignore_merges=*/false));
  CHECK(tokenizer->encode(" the", false) == Ids{258});   // Ġ t -> Ġt, h e -> he, Ġt he -> Ġthe
  CHECK(tokenizer->encode("lower", false) == Ids{262});  // lo, low, er, lower
  CHECK(tokenizer->encode("the", false) == Ids{'t', 257});
  CHECK(tokenizer->encode("her", false) == Ids{257, 'r'});  // h e (rank 1) before e r (rank 5)
  CHECK(tokenizer->encode("rer", false) == Ids{'r', 261});  // e r (rank 5) before r e (rank 8)
  CHECK(tokenizer->encode("ere", false) == Ids{261, 'e'});
  CHECK(tokenizer->encode("lowest", false) == Ids{260, 'e', 's', 't'});
  CHECK(tokenizer->encode("The lower", false) == Ids{'T', 257, ' ', 262});
  CHECK(tokenizer->encode("", false).empty());
}

TEST_CASE("BPE merges equal ranks leftmost first") {
  const TempDir dir;
  const auto tokenizer = tiny(dir, tiny_tokenizer_json(false));
  CHECK(tokenizer->encode("aaa", false) == Ids{263, 'a'});
  CHECK(tokenizer->encode("aaaa", false) == Ids{263, 263});
  // Pre-tokens longer than 64 bytes take the heap path: same merges, same order.
  CHECK(tokenizer->encode(std::string(130, 'a'), false) == Ids(65, 263));
  Ids odd(65, 263);
  odd.push_back('a');
  CHECK(tokenizer->encode(std::string(131, 'a'), false) == odd);
  Ids lowers;
  std::string long_word;
  for (int i = 0; i < 30; ++i) {
    long_word += "lowerer";
    lowers.insert(lowers.end(), {262, 261});
  }
  CHECK(tokenizer->encode(long_word, false) == lowers);
}

TEST_CASE("ignore_merges takes a pre-token that is in the vocabulary whole") {
  const TempDir dir;
  CHECK(tiny(dir, tiny_tokenizer_json(true))->encode("xyz", false) == Ids{265});
  CHECK(tiny(dir, tiny_tokenizer_json(false))->encode("xyz", false) == Ids{'x', 'y', 'z'});
  CHECK(tiny(dir, tiny_tokenizer_json(true))->encode("xyzw", false) == Ids{'x', 'y', 'z', 'w'});
}

TEST_CASE("merges may be written as strings or as pairs") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  nlohmann::json as_strings = nlohmann::json::array();
  for (const auto& pair : json["model"]["merges"]) {
    as_strings.push_back(pair[0].get<std::string>() + " " + pair[1].get<std::string>());
  }
  json["model"]["merges"] = as_strings;
  const auto tokenizer = tiny(dir, json);
  CHECK(tokenizer->encode(" the lower rer", false) == Ids{258, ' ', 262, ' ', 'r', 261});
}

TEST_CASE("the Split regex makes the pre-tokens") {
  const TempDir dir;
  const auto tokenizer = tiny(dir, tiny_tokenizer_json(false));
  // "'re" is its own pre-token (case-insensitive contraction), so r e merges inside it.
  CHECK(tokenizer->encode("we're", false) == Ids{'w', 'e', '\'', 264});
  CHECK(tokenizer->encode("WE'RE", false) == Ids{'W', 'E', '\'', 'R', 'E'});
  // Digits go in groups of at most three: "1234" is "123" "4" (no merges either way).
  CHECK(tokenizer->encode("1234", false) == Ids{'1', '2', '3', '4'});
  // A space before a letter run stays with it: " the" merges to Ġthe; before a newline it does
  // not: "  \n" is one pre-token, whose bytes have no merges.
  CHECK(tokenizer->encode("a  the", false) == Ids{'a', ' ', 258});
}

TEST_CASE("description names the kind, size and file") {
  const TempDir dir;
  CHECK(tiny(dir, tiny_tokenizer_json())->description() ==
        "tokenizer.json BPE, 270 tokens (tokenizer.json)");
}
