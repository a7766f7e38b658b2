// Equality of decoded chunks, for tests that compare two ways of decoding the same events.
#pragma once

#include "llmpace/openai/chunk_decoder.hpp"

namespace llmpace::test {

/// Every field of the two chunks alike, the usage problem's text included.
inline bool same(const openai::DecodedChunk& a, const openai::DecodedChunk& b) {
  const bool same_usage = a.usage.has_value() == b.usage.has_value() &&
                          (!a.usage || (a.usage->prompt_tokens == b.usage->prompt_tokens &&
                                        a.usage->completion_tokens == b.usage->completion_tokens &&
                                        a.usage->problem == b.usage->problem));
  return a.kind == b.kind && a.content_bytes == b.content_bytes &&
         a.reasoning_bytes == b.reasoning_bytes && a.has_role == b.has_role &&
         a.finish_reason == b.finish_reason && same_usage && a.error_message == b.error_message &&
         a.malformed == b.malformed;
}

}  // namespace llmpace::test
