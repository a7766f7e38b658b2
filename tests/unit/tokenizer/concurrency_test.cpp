// A loaded tokenizer is shared by every request thread of a benchmark: encode must give the same
// ids from several threads at once (run under -DLLMPACE_ENABLE_TSAN=ON to check for races).
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;

TEST_CASE("encode from several threads at once gives the same ids") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  std::string text;
  for (int i = 0; i < 200; ++i) text += "the lower <|eot|> aaaa rer   \n\t " + std::to_string(i);
  text += std::string(500, 'a') + std::string(300, ' ');
  const std::vector<TokenId> expected = tokenizer->encode(text, true);

  std::vector<std::vector<TokenId>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&tokenizer, &text, &result] {
      for (int round = 0; round < 20; ++round) result = tokenizer->encode(text, true);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) CHECK(result == expected);
}
