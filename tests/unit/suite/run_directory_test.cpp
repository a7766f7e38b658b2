// Run directories: names that sort by time, the previous finished run, the latest link.
#include "llmpace/suite/run_directory.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

using namespace llmpace::suite;
namespace fs = std::filesystem;

namespace {

using llmpace::test::TempDir;

std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

void finish(const fs::path& run) { std::ofstream(run / "summary.json") << "{}\n"; }

}  // namespace

TEST_CASE("run directory names are UTC times that sort by time") {
  CHECK(run_directory_name(at(1796436184)) == "20261205T020304Z");
  CHECK(iso8601_utc(at(1796436184)) == "2026-12-05T02:03:04Z");
}

TEST_CASE("two runs in the same second get distinct directories") {
  const TempDir dir;
  const fs::path first = make_run_directory(dir.path() / "s", at(1796436184));
  const fs::path second = make_run_directory(dir.path() / "s", at(1796436184));
  CHECK(first.filename() == "20261205T020304Z");
  CHECK(second.filename() == "20261205T020304Z-2");
}

TEST_CASE("the previous run is the newest earlier one that finished") {
  const TempDir dir;
  const fs::path old_run = make_run_directory(dir.path(), at(1796436184 - 86400));
  const fs::path unfinished = make_run_directory(dir.path(), at(1796436184 - 3600));
  const fs::path current = make_run_directory(dir.path(), at(1796436184));
  finish(old_run);
  (void)unfinished;  // no summary.json: it did not finish
  CHECK_FALSE(previous_run(dir.path(), old_run).has_value());
  REQUIRE(previous_run(dir.path(), current).has_value());
  CHECK(*previous_run(dir.path(), current) == old_run);
  // A second run in the same second counts the first as previous.
  finish(current);
  const fs::path again = make_run_directory(dir.path(), at(1796436184));
  CHECK(*previous_run(dir.path(), again) == current);
}

TEST_CASE("latest points at the newest run and is replaced, not duplicated") {
  const TempDir dir;
  const fs::path first = make_run_directory(dir.path(), at(1796436184));
  point_latest(dir.path(), first);
  CHECK(fs::read_symlink(dir.path() / "latest") == first.filename());
  const fs::path second = make_run_directory(dir.path(), at(1796436185));
  point_latest(dir.path(), second);
  CHECK(fs::read_symlink(dir.path() / "latest") == second.filename());
  CHECK(fs::equivalent(dir.path() / "latest", second));
  // "latest" itself is never taken for a run.
  finish(second);
  CHECK(*previous_run(dir.path(), make_run_directory(dir.path(), at(1796436186))) == second);
}
