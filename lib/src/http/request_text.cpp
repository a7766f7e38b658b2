#include "llmpace/http/request_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <string_view>
#include <vector>

#include "llmpace/core/version.hpp"

namespace llmpace::http {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

/// The header lines of one request, in order; set() replaces a line of the same name in place.
class HeaderLines {
 public:
  /// A line whose name no line has yet (the caller knows): no search.
  void add(std::string_view name, std::string_view value) {
    if (size_ < lines_.size()) {
      lines_[size_++] = {name, value};
    } else {
      overflow_.push_back({name, value});
    }
  }

  void set(std::string_view name, std::string_view value) {
    for (std::size_t i = 0; i < size_; ++i) {
      if (same_name(lines_[i].name, name)) {
        lines_[i] = {name, value};
        return;
      }
    }
    for (Line& line : overflow_) {
      if (same_name(line.name, name)) {
        line = {name, value};
        return;
      }
    }
    add(name, value);
  }

  /// Appends "Name: value\r\n" for each line, growing `out` once for all of them (four append()
  /// calls per line cost more than the bytes they copy).
  void append_to(std::string& out) const {
    const std::span<const Line> inline_lines(lines_.data(), size_);
    std::size_t bytes = 0;
    for (const Line& line : inline_lines) bytes += line.bytes();
    for (const Line& line : overflow_) bytes += line.bytes();
    const std::size_t start = out.size();
    out.resize(start + bytes);
    char* at = out.data() + start;
    for (const Line& line : inline_lines) at = line.write(at);
    for (const Line& line : overflow_) at = line.write(at);
  }

 private:
  struct Line {
    std::string_view name;
    std::string_view value;

    [[nodiscard]] std::size_t bytes() const { return name.size() + value.size() + 4; }
    /// Writes the line at `at`; returns the end.
    char* write(char* at) const {
      at = std::copy(name.begin(), name.end(), at);
      *at++ = ':';
      *at++ = ' ';
      at = std::copy(value.begin(), value.end(), at);
      *at++ = '\r';
      *at++ = '\n';
      return at;
    }
  };

  std::array<Line, 16> lines_{};
  std::size_t size_ = 0;
  std::vector<Line> overflow_;  // more --header entries than fit inline (rare)
};

}  // namespace

void render_request(const ClientOptions& options, const HttpRequest& request, std::string& out) {
  static const std::string default_user_agent = fmt::format("llmpace/{}", kVersion);
  // The thread's, reused: no allocation per request.
  thread_local std::string host;
  host.clear();
  options.base_url.append_host_header(host);
  std::string authorization;
  HeaderLines headers;
  // The client's own headers have distinct names; the user's (extra_headers) may replace them.
  headers.add("Host", host);
  headers.add("User-Agent", options.user_agent.empty() ? std::string_view(default_user_agent)
                                                       : std::string_view(options.user_agent));
  headers.add("Accept", request.accept);
  if (!options.api_key.empty()) {
    authorization = "Bearer " + options.api_key;
    headers.add("Authorization", authorization);
  }
  if (!request.request_id.empty()) headers.add("X-Request-Id", request.request_id);
  for (const Header& header : options.extra_headers) {
    if (!same_name(header.name, "Content-Length")) headers.set(header.name, header.value);
  }
  if (!request.body.empty()) headers.set("Content-Type", request.content_type);

  out.clear();
  out.append(request.method).append(" ");
  options.base_url.append_request_target(out, request.target);
  out.append(" HTTP/1.1\r\n");
  headers.append_to(out);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    const fmt::format_int length(request.body.size());
    out.append("Content-Length: ").append(length.data(), length.size()).append("\r\n");
  }
  out.append("\r\n").append(request.body);
}

}  // namespace llmpace::http
