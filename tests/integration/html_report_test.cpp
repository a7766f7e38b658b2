// End to end: a sweep against the embedded simulator, its JSON report rendered as the HTML report
// (by `llmpace report r.json --output r.html`), and the page screenshotted by headless Chromium
// with every network access refused. A missing Chromium fails the test (scripts/install-deps.sh
// installs it) unless LLMPACE_SKIP_BROWSER_TESTS=1 says to skip the screenshot
// (docs/development.md). Set LLMPACE_HTML_SCREENSHOT_DIR to keep the page and the screenshot there.
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "harness.hpp"

using namespace llmpace::test;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

/// The full path of `program` found on PATH, if any.
std::optional<std::string> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream directories(path);
  for (std::string directory; std::getline(directories, directory, ':');) {
    if (directory.empty()) continue;
    const std::string candidate = directory + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

struct PngSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

/// Width and height from a PNG's IHDR chunk, or nothing when the bytes are not a PNG.
std::optional<PngSize> png_size(const std::string& bytes) {
  static constexpr std::array<unsigned char, 8> kSignature{0x89, 'P',  'N',  'G',
                                                           '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 24) return std::nullopt;
  for (std::size_t i = 0; i < kSignature.size(); ++i) {
    if (static_cast<unsigned char>(bytes[i]) != kSignature[i]) return std::nullopt;
  }
  if (bytes.compare(12, 4, "IHDR") != 0) return std::nullopt;
  const auto big_endian = [&bytes](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    }
    return value;
  };
  return PngSize{big_endian(16), big_endian(20)};
}

void keep_if_asked(const std::string& file) {
  const char* directory = std::getenv("LLMPACE_HTML_SCREENSHOT_DIR");
  if (directory == nullptr || *directory == '\0') return;
  std::filesystem::create_directories(directory);
  std::filesystem::copy_file(
      file, std::filesystem::path(directory) / std::filesystem::path(file).filename(),
      std::filesystem::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("html report of a sweep rendered and screenshotted by headless Chromium") {
  ScratchDir scratch;
  const auto report = run_benchmark_report(
      scratch, {"--target", "sim", "--profile", "sweep", "--rate", "4", "--max-seconds", "2",
                "--data", "prompt_tokens=16,output_tokens=8", "-q"});
  REQUIRE(report["benchmarks"].size() == 4);

  const std::string html = scratch.file("r.html");
  const auto rendered =
      run_to_exit(llmpace_binary(), {"report", scratch.file("r.json"), "--output", html});
  INFO(rendered.stderr_text);
  REQUIRE(rendered.exit_code == 0);
  const std::string page = read_text(html);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  // The client's five charts, and the server's KV usage and requests running and waiting (the
  // simulator serves /metrics; without a preset it serves no DCGM figures, so no GPU chart).
  CHECK(count_of(page, "<svg") == 5 + 2);
  CHECK(page.find("<title>KV-cache usage over time</title>") != std::string::npos);
  CHECK(page.find("<title>Requests running and waiting over time</title>") != std::string::npos);
  const std::size_t benchmarks_at = page.find("<h2>Benchmarks</h2>");
  REQUIRE(benchmarks_at != std::string::npos);
  const std::string benchmarks =
      page.substr(benchmarks_at, page.find("</section>", benchmarks_at) - benchmarks_at);
  CHECK(count_of(benchmarks, "<tbody>") == 1);
  CHECK(count_of(benchmarks.substr(benchmarks.find("<tbody>")), "<tr>") == 4);
  // The diagnosis before the table (a badge per benchmark), the server's figures after it.
  CHECK(page.find("<h2>Diagnosis</h2>") < benchmarks_at);
  CHECK(count_of(page, "<span class=\"wall ") >= 4);
  CHECK(page.find("<h2>Server and GPU</h2>") > benchmarks_at);
  CHECK(page.find("<h3>Server</h3>") != std::string::npos);
  for (const char* profile : {"synchronous", "throughput", "constant"}) {
    CHECK(page.find(std::string("<td class=\"l\">") + profile + "</td>") != std::string::npos);
  }
  CHECK(page.find("llmpace-sim") != std::string::npos);
  for (const char* forbidden :
       {"http://", "https://", "<script", "@import", "url(", "src=", "href=", "<link", "<img"}) {
    INFO(forbidden);
    CHECK(page.find(forbidden) == std::string::npos);
  }
  keep_if_asked(html);

  const char* skip = std::getenv("LLMPACE_SKIP_BROWSER_TESTS");
  if (skip != nullptr && std::string(skip) == "1") {
    WARN("LLMPACE_SKIP_BROWSER_TESTS=1: the Chromium screenshot check is skipped");
    return;
  }
  const auto chromium = find_on_path("chromium");
  if (!chromium) {
    FAIL(
        "chromium is not on PATH: install it (scripts/install-deps.sh) or set "
        "LLMPACE_SKIP_BROWSER_TESTS=1 to skip the screenshot check");
  }
  const std::string png = scratch.file("r.png");
  // Only the local file may load: no proxy, every host name unresolvable, no background traffic.
  const auto shot =
      run_to_exit(*chromium,
                  {"--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server",
                   "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
                   "--disable-component-update", "--disable-extensions", "--disable-sync",
                   "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                   "--user-data-dir=" + scratch.file("chromium-profile"), "--screenshot=" + png,
                   "--window-size=1280,3000", "file://" + html},
                  std::chrono::seconds(120),
                  {"XDG_CONFIG_HOME=" + scratch.file("xdg-config"),
                   "XDG_CACHE_HOME=" + scratch.file("xdg-cache")});
  INFO(shot.stderr_text);
  REQUIRE(shot.exit_code == 0);
  REQUIRE(std::filesystem::exists(png));
  const std::string bytes = read_text(png);
  const auto size = png_size(bytes);
  REQUIRE(size);
  CHECK(size->width == 1280);
  CHECK(size->height == 3000);
  // A page of one colour compresses to a few kB at this size; text, tables and charts do not.
  CHECK(bytes.size() > 40 * 1024);
  keep_if_asked(png);
}
