// Golden files under tests/data/golden. Set LLMPACE_UPDATE_GOLDEN=1 to rewrite them from the
// current output (then review the diff before committing).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace llmpace::test {

inline std::string golden_path(const std::string& name) {
  return std::string(LLMPACE_TEST_DATA_DIR) + "/golden/" + name;
}

inline bool updating_golden() { return std::getenv("LLMPACE_UPDATE_GOLDEN") != nullptr; }

inline std::string read_golden(const std::string& name) {
  std::ifstream in(golden_path(name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_golden(const std::string& name, const std::string& text) {
  std::ofstream(golden_path(name), std::ios::binary) << text;
}

}  // namespace llmpace::test
