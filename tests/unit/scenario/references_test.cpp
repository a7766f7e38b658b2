// ${env:NAME} and ${file:PATH} references in setting values.
#include "llmpace/scenario/references.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::scenario;
using Catch::Matchers::Contains;

TEST_CASE("references expand from the environment and from files") {
  ::setenv("LLMPACE_TEST_TOKEN", "s3cret", 1);
  CHECK(expand_references("Bearer ${env:LLMPACE_TEST_TOKEN}") == "Bearer s3cret");
  const auto path = std::filesystem::temp_directory_path() / "llmpace_reference_test_token";
  std::ofstream(path) << "from-file\n";
  CHECK(expand_references("${file:" + path.string() + "}") == "from-file");  // newline dropped
  std::filesystem::remove(path);
  CHECK(expand_references("plain $5 text") == "plain $5 text");
  CHECK(expand_references("$${env:X}") == "${env:X}");
}

TEST_CASE("a reference that cannot be resolved is a configuration error") {
  ::unsetenv("LLMPACE_TEST_UNSET");
  CHECK_THROWS_WITH(expand_references("${env:LLMPACE_TEST_UNSET}"),
                    Contains("the environment variable is not set"));
  CHECK_THROWS_WITH(expand_references("${file:/nonexistent/token}"),
                    Contains("cannot read the file"));
  CHECK_THROWS_WITH(expand_references("${vault:x}"), Contains("unknown reference"));
  CHECK_THROWS_WITH(expand_references("${env:X"), Contains("malformed reference"));
}

TEST_CASE("a value is secret-free when its secret is a reference") {
  CHECK(is_secret_free("${env:TOKEN}"));
  CHECK(is_secret_free("Bearer ${file:/var/run/secrets/token}"));
  CHECK_FALSE(is_secret_free("Bearer sk-123"));
  CHECK_FALSE(is_secret_free("sk-123${env:X}"));
  CHECK_FALSE(is_secret_free("perf"));
}
