// RegexSplitter: the Split pre-tokenizer step with behavior "Isolated" (what tokenizer.json's
// Split and the GPT-2 regex of ByteLevel do): every match of the pattern becomes one piece, and so
// does every stretch of text between two matches. Empty matches make no piece.
//
// Patterns are compiled by PCRE2 in UTF + UCP mode (\p{L}, \p{N}, (?i:...) with Unicode case
// folding), JIT-compiled when the platform has a JIT. \s and \S are rewritten to
// \p{White_Space} and \P{White_Space}, which is what the Rust regex engines of Hugging Face
// tokenizers (Oniguruma) and tiktoken (fancy-regex) match; PCRE2's own \s would also take U+180E.
// Text that is not valid UTF-8 is still split: malformed bytes never match and end up in the
// pieces between matches (PCRE2_MATCH_INVALID_UTF).
//
// Thread affinity: immutable after construction; split() may run on any number of threads at
// once (each call has its own match data; each thread its own JIT stack). Lifetime: the pieces
// are views into the text given to split().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmpace::tokenizer::detail {

class RegexSplitter {
 public:
  /// Compiles `pattern` (a regex, or literal text when `literal`). Throws ConfigError naming the
  /// pattern and PCRE2's message when it does not compile.
  RegexSplitter(std::string_view pattern, bool literal);
  ~RegexSplitter();
  RegexSplitter(RegexSplitter&& other) noexcept;
  RegexSplitter& operator=(RegexSplitter&& other) noexcept;
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  /// Appends the pieces of `text` to `pieces`, in order; together they are exactly `text`.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
};

/// `pattern` with \s and \S (outside and inside classes) spelled as \p{White_Space} and
/// \P{White_Space}; every other escape is kept as written.
[[nodiscard]] std::string with_unicode_white_space(std::string_view pattern);

}  // namespace llmpace::tokenizer::detail
