// Fuzz target: parse_url (http/url.hpp, on Boost.URL). Either ConfigError or a Url that the client
// can use: http or https, a lower-case host, a port, a path prefix that starts with '/' and does
// not end with one; its to_string() parses back to the same URL; and a password ("s3cret") in the
// text's credentials never shows in the error message. Three known exceptions (reported in issue
// 13) are left out until they are fixed; see below.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/http/url.hpp"

namespace {

using llmpace::http::parse_url;
using llmpace::http::Url;

/// True when the password sentinel "s3cret" occurs once in `text`, after the first "://" and
/// before the first '@' after it: in the credentials, which url.hpp promises to show as "***".
/// (Fixed message words could contain any other password: "pass" is in "password".) Not yet a
/// sentinel after a first '@': "https://u@h/p:s3cret@x" shows it (reported in issue 13).
bool holds_secret(std::string_view text) {
  constexpr std::string_view kSecret = "s3cret";
  const std::size_t at = text.find(kSecret);
  const std::size_t scheme_end = text.find("://");
  if (at == std::string_view::npos || at != text.rfind(kSecret) ||
      scheme_end == std::string_view::npos || at < scheme_end + 3) {
    return false;
  }
  const std::size_t first_at = text.find('@', scheme_end + 3);
  return first_at != std::string_view::npos && at + kSecret.size() <= first_at;
}

bool same(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port &&
         a.path_prefix == b.path_prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Url url;
  try {
    url = parse_url(text);
  } catch (const llmpace::ConfigError& error) {
    if (holds_secret(text)) {
      FUZZ_CHECK(std::string_view(error.what()).find("s3cret") == std::string_view::npos);
    }
    return 0;
  }
  FUZZ_CHECK(url.scheme == "http" || url.scheme == "https");
  FUZZ_CHECK(!url.host.empty() && url.port >= 1);
  FUZZ_CHECK(url.host.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
  FUZZ_CHECK(url.path_prefix.empty() || url.path_prefix.front() == '/');
  // url.hpp: "never ending in '/'", but "http://h/x//v1" has the prefix "/x/" (reported in issue
  // 13), so not checked when the text holds "//v1".
  const bool double_slash_v1 = text.find("//v1") != std::string_view::npos;
  if (!double_slash_v1) {
    FUZZ_CHECK(url.path_prefix.empty() || url.path_prefix.back() != '/');
  }
  FUZZ_CHECK(url.request_target("/v1/completions").starts_with(url.path_prefix + "/v1/"));
  FUZZ_CHECK(!url.host_header().empty());
  Url again;
  try {
    again = parse_url(url.to_string());
  } catch (const llmpace::ConfigError& error) {
    std::fprintf(stderr, "to_string() '%s' does not parse: %s\n", url.to_string().c_str(),
                 error.what());
    std::abort();
  }
  // Not when the prefix itself ends in /v1 ("https://g/v1/v1" has the prefix "/v1", shown as
  // "https://g:443/v1", which parses to the prefix ""), nor in '/' (above): reported in issue 13.
  if (!url.path_prefix.ends_with("/v1") && !double_slash_v1) FUZZ_CHECK(same(url, again));
  return 0;
}
