// The byte-level alphabet that byte-level BPE vocabularies are written in (GPT-2's
// bytes_to_unicode): each of the 256 byte values stands for one printable code point, the
// printable Latin-1 bytes for themselves and the others for U+0100..U+0143 (space is U+0120 'Ġ',
// newline U+010A 'Ċ'). A tokenizer.json's vocabulary and merges are strings in this alphabet.
//
// Thread affinity: pure functions over a constant table; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmpace::tokenizer {

/// The code point that stands for `byte`.
[[nodiscard]] char32_t byte_level_code_point(unsigned char byte) noexcept;

/// `bytes` written in the byte-level alphabet: UTF-8, one code point per byte.
[[nodiscard]] std::string to_byte_level(std::string_view bytes);

/// The bytes a byte-level string stands for; nullopt when `text` is not valid UTF-8 or holds a
/// code point outside the alphabet (e.g. the "<|endoftext|>" of an added token is in it, "▁" not).
[[nodiscard]] std::optional<std::string> from_byte_level(std::string_view text);

}  // namespace llmpace::tokenizer
