// PCRE2 behind RegexSplitter. See regex_splitter.hpp.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex_splitter.hpp"

#include <fmt/format.h>
#include <pcre2.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

#include "llmpace/core/error.hpp"
#include "llmpace/core/utf8.hpp"

namespace llmpace::tokenizer::detail {
namespace {

using utf8::decode_utf8;
using utf8::DecodedCodePoint;
using utf8::is_white_space;

pcre2_code* as_code(void* code) { return static_cast<pcre2_code*>(code); }

std::string pcre2_message(int error) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(error, buffer, sizeof buffer) < 0) {
    return fmt::format("PCRE2 error {}", error);
  }
  return reinterpret_cast<const char*>(buffer);
}

/// A JIT stack per thread (the default 32 KiB on the machine stack is small for long runs of
/// whitespace), with the match context that hands it to pcre2_match. Freed at thread exit.
/// No match limit: the default (10 million backtracks) stops "\s*[\r\n]+" on a 10 MB run of
/// spaces, which the Rust engines tokenize; these patterns backtrack linearly in a run.
class ThreadMatchContext {
 public:
  ThreadMatchContext()
      : context_(pcre2_match_context_create(nullptr)),
        stack_(pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr)) {
    if (context_ != nullptr) pcre2_set_match_limit(context_, UINT32_MAX);
    if (context_ != nullptr && stack_ != nullptr) {
      pcre2_jit_stack_assign(context_, nullptr, stack_);
    }
  }
  ~ThreadMatchContext() {
    pcre2_jit_stack_free(stack_);
    pcre2_match_context_free(context_);
  }
  ThreadMatchContext(const ThreadMatchContext&) = delete;
  ThreadMatchContext& operator=(const ThreadMatchContext&) = delete;

  [[nodiscard]] pcre2_match_context* get() const { return context_; }

 private:
  pcre2_match_context* context_;
  pcre2_jit_stack* stack_;
};

pcre2_match_context* thread_match_context() {
  thread_local const ThreadMatchContext context;
  return context.get();
}

struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

}  // namespace

std::string with_unicode_white_space(std::string_view pattern) {
  std::string result;
  result.reserve(pattern.size() + 32);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      result.push_back(pattern[i]);
      continue;
    }
    const char escaped = pattern[++i];
    if (escaped == 's') {
      result += "\\p{White_Space}";
    } else if (escaped == 'S') {
      result += "\\P{White_Space}";
    } else {
      result.push_back('\\');
      result.push_back(escaped);
    }
  }
  return result;
}

RegexSplitter::RegexSplitter(std::string_view pattern, bool literal) {
  const std::string compiled = literal ? std::string(pattern) : with_unicode_white_space(pattern);
  // PCRE2_LITERAL takes no PCRE2_UCP (nothing in literal text depends on it).
  const uint32_t options =
      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(),
                                   options, &error, &error_offset, nullptr);
  if (code == nullptr) {
    throw ConfigError(fmt::format("pre-tokenizer regex {:?} does not compile: {} at offset {}",
                                  std::string(pattern), pcre2_message(error), error_offset));
  }
  // Without a JIT (some platforms) the interpreter runs the same pattern, only slower.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  code_ = code;
}

RegexSplitter::~RegexSplitter() { pcre2_code_free(as_code(code_)); }

RegexSplitter::RegexSplitter(RegexSplitter&& other) noexcept : code_(other.code_) {
  other.code_ = nullptr;
}

RegexSplitter& RegexSplitter::operator=(RegexSplitter&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(as_code(code_));
    code_ = other.code_;
    other.code_ = nullptr;
  }
  return *this;
}

void RegexSplitter::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  if (text.empty()) return;
  // One ovector pair is enough: only the whole match is used (rc 0 means "more groups").
  const std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
      pcre2_match_data_create(1, nullptr));
  if (!match) throw std::bad_alloc();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  pcre2_match_context* context = thread_match_context();

  std::size_t piece_start = 0;  // start of the text not yet in a piece
  std::size_t search_from = 0;
  while (search_from < text.size()) {
    int rc =
        pcre2_match(as_code(code_), subject, text.size(), search_from, 0, match.get(), context);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {  // pathological backtracking: let the interpreter try
      rc = pcre2_match(as_code(code_), subject, text.size(), search_from, PCRE2_NO_JIT, match.get(),
                       context);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw std::runtime_error("tokenizer regex: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const std::size_t start = ovector[0];
    const std::size_t end = ovector[1];
    if (start == end) {  // an empty match makes no piece: look again one character further
      if (start >= text.size()) break;
      const DecodedCodePoint next = decode_utf8(text, start);
      search_from = start + (next.length == 0 ? 1 : next.length);
      continue;
    }
    if (start > piece_start) pieces.push_back(text.substr(piece_start, start - piece_start));
    pieces.push_back(text.substr(start, end - start));
    piece_start = end;
    search_from = end;
  }
  if (piece_start < text.size()) pieces.push_back(text.substr(piece_start));
}

}  // namespace llmpace::tokenizer::detail
