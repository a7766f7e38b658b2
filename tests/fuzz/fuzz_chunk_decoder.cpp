// Fuzz target: ChunkDecoder (openai/chunk_decoder.hpp). The first byte chooses the API (bit 0:
// chat or completions) and the SSE event name (bit 1: "message" or "error"); the rest is the
// event's data. Checks the documented classification, that an error event is always an error, and
// that a decoder reused across many chunks (its scratch buffers grown and refilled) answers as a
// fresh one does, that events decoded together answer as each does alone (0x1F bytes cut the
// data into events, decoded between good chunks), and that a decoder holding a template
// (chunk_template.hpp) answers as the parser for the data and for chunks with the data as their
// text, id or created value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/json_space.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "unit/openai/same_chunk.hpp"

namespace {

using llmpace::openai::ApiKind;
using llmpace::openai::ChunkDecoder;
using llmpace::openai::ChunkKind;
using llmpace::openai::DecodedChunk;
using llmpace::openai::QueuedChunk;
using llmpace::test::same;

void print(const char* name, const DecodedChunk& chunk) {
  std::fprintf(stderr,
               "%s: kind %s, content %zu, reasoning %zu, role %d, finish %s, usage %d, "
               "malformed %d, error \"%s\"\n",
               name, std::string(to_string(chunk.kind)).c_str(), chunk.content_bytes,
               chunk.reasoning_bytes, chunk.has_role, chunk.finish_reason.value_or("-").c_str(),
               chunk.usage.has_value(), chunk.malformed, chunk.error_message.c_str());
}

/// A good chunk of `api` around the string body `text`, its choice's `index` outside the text:
/// chunks with different indexes are not decoded by each other's templates, and so reach a batch.
/// `id` and `created` are the JSON of those values, which templates may vary in.
std::string good_chunk(ApiKind api, std::string_view text, int index = 0,
                       std::string_view id = R"("c")", std::string_view created = "1") {
  const std::string head = R"({"id":)" + std::string(id) + R"(,"created":)" + std::string(created) +
                           R"(,"choices":[{"index":)" + std::to_string(index) + ",";
  return api == ApiKind::chat_completions
             ? head + R"("delta":{"content":")" + std::string(text) +
                   R"("},"finish_reason":null}]})"
             : head + R"("text":")" + std::string(text) + R"(","finish_reason":null}]})";
}

/// Decoded together (ChunkDecoder::decode_queued), the events of one read must each get what they
/// get alone: the payload, cut into events at each 0x1F byte, after enough good chunks for a batch
/// and before one.
void check_batch(ApiKind api, std::string_view event_name, std::string_view payload) {
  // A read's first 7 JSON events are decoded as they are queued; a batch needs 8 more.
  constexpr std::size_t kLeadingChunks = 15;
  std::vector<std::string> leading;
  for (std::size_t i = 0; i < kLeadingChunks; ++i) leading.push_back(good_chunk(api, "ok", i));
  const std::string good = good_chunk(api, "ok");
  std::vector<std::string_view> events(leading.begin(), leading.end());
  for (std::size_t start = 0;;) {
    const std::size_t cut = payload.find('\x1f', start);
    events.push_back(payload.substr(start, cut == std::string_view::npos ? cut : cut - start));
    if (cut == std::string_view::npos) break;
    start = cut + 1;
  }
  events.push_back(good);
  ChunkDecoder batch(api);
  for (std::size_t i = 0; i < events.size(); ++i) {
    batch.queue(events[i], i < kLeadingChunks || i + 1 == events.size() ? "message" : event_name);
  }
  std::vector<DecodedChunk> chunks;  // copied: decode() reuses the buffers the views point into
  for (const QueuedChunk& queued : batch.decode_queued()) chunks.push_back(queued.chunk);
  FUZZ_CHECK(chunks.size() == events.size());
  ChunkDecoder alone(api);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const DecodedChunk expected = alone.decode(
        events[i], i < kLeadingChunks || i + 1 == events.size() ? "message" : event_name);
    if (!same(chunks[i], expected)) {
      std::fprintf(stderr, "event %zu of %zu:\n", i, events.size());
      print("decoded together", chunks[i]);
      print("decoded alone", expected);
      FUZZ_CHECK(same(chunks[i], expected));
    }
  }
}

/// A decoder whose template is a good chunk decodes the chunk with the payload as its text, id or
/// created value (and the payload itself) as a fresh decoder does.
void check_template(ApiKind api, std::string_view payload) {
  ChunkDecoder templated(api);
  FUZZ_CHECK(templated.decode(good_chunk(api, "ok")).kind == ChunkKind::content);
  const std::string quoted = "\"" + std::string(payload) + "\"";
  for (const std::string& data :
       {good_chunk(api, payload), good_chunk(api, "ok", 0, quoted),
        good_chunk(api, "ok", 0, payload), good_chunk(api, "ok", 0, R"("c")", payload),
        std::string(payload)}) {
    const DecodedChunk chunk = templated.decode(data);
    ChunkDecoder fresh(api);
    const DecodedChunk expected = fresh.decode(data);
    if (!same(chunk, expected)) {
      print("decoder with a template", chunk);
      print("fresh decoder", expected);
      FUZZ_CHECK(same(chunk, expected));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ApiKind api = (data[0] & 1) != 0 ? ApiKind::completions : ApiKind::chat_completions;
  const bool error_event = (data[0] & 2) != 0;
  const std::string_view event_name = error_event ? "error" : "message";
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);

  static ChunkDecoder reused_chat(ApiKind::chat_completions);
  static ChunkDecoder reused_completions(ApiKind::completions);
  ChunkDecoder& reused = api == ApiKind::chat_completions ? reused_chat : reused_completions;
  const DecodedChunk chunk = reused.decode(payload, event_name);
  ChunkDecoder fresh(api);
  const DecodedChunk fresh_chunk = fresh.decode(payload, event_name);
  // The thread's buffers are reused from chunk to chunk, their padding zeroed after each: the
  // answer depends on the chunk alone, even for JSON with bytes after the root value, where
  // simdjson reads into the padding (issue 13).
  if (!same(chunk, fresh_chunk)) {
    print("reused decoder", chunk);
    print("fresh decoder", fresh_chunk);
    FUZZ_CHECK(same(chunk, fresh_chunk));
  }

  check_batch(api, event_name, payload);
  check_template(api, payload);

  FUZZ_CHECK((chunk.kind == ChunkKind::error) == !chunk.error_message.empty());
  FUZZ_CHECK(!chunk.malformed || chunk.kind == ChunkKind::error);
  if (error_event) FUZZ_CHECK(chunk.kind == ChunkKind::error);
  switch (chunk.kind) {
    case ChunkKind::content:
      FUZZ_CHECK(chunk.content_bytes > 0);
      break;
    case ChunkKind::reasoning:
      FUZZ_CHECK(chunk.content_bytes == 0 && chunk.reasoning_bytes > 0);
      break;
    case ChunkKind::finish:
      FUZZ_CHECK(!chunk.carries_tokens() && chunk.finish_reason.has_value());
      break;
    case ChunkKind::done:
      FUZZ_CHECK(llmpace::trim_json_space(payload) == "[DONE]");
      break;
    case ChunkKind::usage_only:
      FUZZ_CHECK(chunk.usage.has_value());
      [[fallthrough]];
    case ChunkKind::empty:
    case ChunkKind::role_only:
      FUZZ_CHECK(!chunk.carries_tokens() && !chunk.finish_reason.has_value());
      break;
    case ChunkKind::error:
      break;
  }
  // Sizes are of strings inside the payload (escapes only shrink them).
  FUZZ_CHECK(chunk.content_bytes <= payload.size() && chunk.reasoning_bytes <= payload.size());
  return 0;
}
