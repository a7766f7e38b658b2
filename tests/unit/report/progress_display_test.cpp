#include "llmpace/report/progress_display.hpp"

#include <stdio.h>  // open_memstream

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "llmpace/report/progress_line.hpp"

using llmpace::metrics::ProgressSnapshot;
using llmpace::report::choose_progress_mode;
using llmpace::report::format_progress_line;
using llmpace::report::ProgressDisplay;
using llmpace::report::ProgressMode;

namespace {

/// A FILE* writing into memory; declare it before the display that writes to it.
class MemoryStream {
 public:
  MemoryStream() : file_(open_memstream(&data_, &size_)) { REQUIRE(file_ != nullptr); }
  ~MemoryStream() {
    std::fclose(file_);
    std::free(data_);
  }
  MemoryStream(const MemoryStream&) = delete;
  MemoryStream& operator=(const MemoryStream&) = delete;

  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

ProgressSnapshot at(double elapsed_s, bool final = false) {
  ProgressSnapshot snapshot;
  snapshot.elapsed_s = elapsed_s;
  snapshot.max_seconds = 30;
  snapshot.successful = static_cast<std::uint64_t>(elapsed_s * 10);
  snapshot.final = final;
  return snapshot;
}

std::string live(std::string_view label, double elapsed_s, bool final = false) {
  return "\r" + format_progress_line(label, at(elapsed_s, final)) + "\x1b[K" + (final ? "\n" : "");
}

std::string plain(std::string_view label, double elapsed_s, bool final = false) {
  return "llmpace: " + format_progress_line(label, at(elapsed_s, final)) + "\n";
}

}  // namespace

TEST_CASE("progress display: the mode follows quiet and the terminal", "[progress]") {
  CHECK(choose_progress_mode(false, true) == ProgressMode::live);
  CHECK(choose_progress_mode(false, false) == ProgressMode::plain);
  CHECK(choose_progress_mode(true, true) == ProgressMode::quiet);
  CHECK(choose_progress_mode(true, false) == ProgressMode::quiet);
}

TEST_CASE("progress display: live rewrites the line and ends it at the final", "[progress]") {
  MemoryStream out;
  ProgressDisplay display(out.file(), ProgressMode::live);
  display.update("a", at(1));
  display.update("a", at(2));
  CHECK(out.text() == live("a", 1) + live("a", 2));
  display.update("a", at(2.5, true));
  display.update("a", at(1));  // the same label again after a final: the next benchmark
  display.update("a", at(3, true));
  CHECK(out.text() ==
        live("a", 1) + live("a", 2) + live("a", 2.5, true) + live("a", 1) + live("a", 3, true));
  display.finish();  // nothing open: nothing to end
  CHECK(out.text().back() == '\n');
  CHECK(out.text().find("\n\n") == std::string::npos);
}

TEST_CASE("progress display: live ends a line its benchmark left open", "[progress]") {
  MemoryStream out;
  {
    ProgressDisplay display(out.file(), ProgressMode::live);
    display.update("a", at(1));
    display.update("b", at(1));  // a new label without a final for "a"
    CHECK(out.text() == live("a", 1) + "\n" + live("b", 1));
  }  // destroyed with "b" still open
  CHECK(out.text() == live("a", 1) + "\n" + live("b", 1) + "\n");
}

TEST_CASE("progress display: plain prints once per interval and the final", "[progress]") {
  MemoryStream out;
  ProgressDisplay display(out.file(), ProgressMode::plain, std::chrono::seconds(10));
  for (int second = 1; second <= 25; ++second) display.update("a", at(second));
  display.update("a", at(25.3, true));
  CHECK(out.text() == plain("a", 10) + plain("a", 20) + plain("a", 25.3, true));
}

TEST_CASE("progress display: plain counts the interval from the last line printed", "[progress]") {
  MemoryStream out;
  ProgressDisplay display(out.file(), ProgressMode::plain, std::chrono::seconds(10));
  display.update("a", at(9.9));
  display.update("a", at(10.9));  // a late tick: the next line is due at 20.9
  display.update("a", at(20.8));
  display.update("a", at(20.9));
  CHECK(out.text() == plain("a", 10.9) + plain("a", 20.9));
}

TEST_CASE("progress display: plain restarts the interval for a new benchmark", "[progress]") {
  MemoryStream out;
  ProgressDisplay display(out.file(), ProgressMode::plain, std::chrono::seconds(10));
  display.update("a", at(10));
  display.update("a", at(15));
  display.update("b", at(10));  // new label: due at 10 s of its own, not at 20 s
  display.update("b", at(12, true));
  display.update("b", at(10));  // after a final: another benchmark, same label
  CHECK(out.text() == plain("a", 10) + plain("b", 10) + plain("b", 12, true) + plain("b", 10));
}

TEST_CASE("progress display: a zero interval prints every snapshot", "[progress]") {
  MemoryStream out;
  ProgressDisplay display(out.file(), ProgressMode::plain, std::chrono::seconds(0));
  display.update("a", at(0.5));
  display.update("a", at(0.5));
  CHECK(out.text() == plain("a", 0.5) + plain("a", 0.5));
}

TEST_CASE("progress display: quiet prints nothing", "[progress]") {
  MemoryStream out;
  {
    ProgressDisplay display(out.file(), ProgressMode::quiet);
    display.update("a", at(1));
    display.update("a", at(20));
    display.update("a", at(30, true));
  }
  CHECK(out.text().empty());

  ProgressDisplay no_stream(nullptr, ProgressMode::live);  // no stream: as quiet
  no_stream.update("a", at(1));
}
