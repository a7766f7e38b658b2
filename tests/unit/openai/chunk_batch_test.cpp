// ChunkDecoder::queue() / decode_queued(): the events of one read decoded in one simdjson pass
// must each get exactly what decode() gives them alone, however broken the events around them.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "llmpace/openai/chunk_decoder.hpp"
#include "unit/openai/same_chunk.hpp"

namespace llmpace::openai {
namespace {

using test::same;

/// An SSE event as the parser hands it on: its name and its data.
struct Event {
  std::string name;
  std::string data;
};

std::string chat_chunk(std::string_view content, std::string_view finish = "null",
                       int created = 1) {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":)" +
         std::to_string(created) + R"(,"model":"m","choices":[{"index":0,"delta":{"content":")" +
         std::string(content) + R"("},"logprobs":null,"finish_reason":)" + std::string(finish) +
         "}]}";
}

/// The `index`th of chunks that differ outside their text and ids too (in their choice's index),
/// so that none is decoded by the templates of the ones before (chunk_template.hpp) and they reach
/// a batch.
std::string distinct_chunk(int index, std::string_view content = "lead") {
  std::string chunk = chat_chunk(content);
  chunk.replace(chunk.find(R"("index":0)"), 9, R"("index":)" + std::to_string(1000 + index));
  return chunk;
}

const std::string kUsageChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
    R"("usage":{"prompt_tokens":16,"completion_tokens":8,"total_tokens":24}})";

/// Events of every kind a server sends, well or badly.
std::vector<Event> catalogue() {
  const std::string chunk = chat_chunk("Hello");
  return {
      {"message", chunk},
      {"message", chat_chunk("a\\\"b\\n", R"("length")")},
      {"message", R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"},
      {"message", kUsageChunk},
      {"message", R"({"usage":{"prompt_tokens":-1,"completion_tokens":"7"}})"},
      {"message", "[DONE]"},
      {"message", ""},
      {"message", "  \t "},
      {"error", R"({"error":{"message":"overloaded"}})"},
      {"error", "plain words"},
      {"message", R"({"object":"error","message":"bad request"})"},
      {"message", chunk.substr(0, chunk.size() / 2)},  // cut inside a string
      {"message", chunk.substr(0, chunk.size() - 2)},  // cut before the last braces
      {"message", chunk + " x"},                       // bytes after the root object
      {"message", chunk + chunk},                      // two objects in one event
      {"message", chunk + "}"},                        // a closing brace too many
      {"message", "]" + chunk},
      {"message", R"({"choices":[{"delta":{"content":"abc\)"},  // ends in a backslash
      {"message", R"({"a":"unterminated})"},
      {"message", R"({"a":[1,2}})"},  // brackets that do not match
      {"message", "[1,2,3]"},
      {"message", R"("just a string")"},
      {"message", "42"},
      {"message", "{}"},
      {"message", "{\"choices\":[{\"delta\":{\"content\":\"line\nbreak\"}}]}"},
      {"message", "{\"choices\":[{\"delta\":{\"content\":\"\xff\xfe\"}}]}"},  // not UTF-8
      {"message", std::string("{\"a\":\"\0\"}", 9)},
      {"message", std::string(80, '[') + std::string(80, ']')},
      {"message", "{\"x\":" + std::string(100, '[') + std::string(100, ']') + "}"},
      {"message", "{\"choices\":\n[{\"delta\":{\"content\":\"multi-line data\"}}]}"},
  };
}

/// Good chunks ahead of the events under test (distinct_chunk()): a read's first 7 JSON events are
/// decoded as they are queued, and a batch needs 8 more (fewer are decoded one by one).
constexpr int kLeadingChunks = 15;

/// Queues `events`, after enough good chunks for a batch (fewer are decoded one by one), on one
/// decoder and checks each result against another decoder's decode().
void check_batch_matches_alone(std::vector<Event> events) {
  std::vector<Event> leading;
  for (int i = 0; i < kLeadingChunks; ++i) leading.push_back({"message", distinct_chunk(i)});
  events.insert(events.begin(), leading.begin(), leading.end());
  ChunkDecoder batch(ApiKind::chat_completions);
  for (const Event& event : events) batch.queue(event.data, event.name);
  // Copied out: decode() below reuses the thread's buffers the views point into.
  std::vector<DecodedChunk> chunks;
  for (const QueuedChunk& queued : batch.decode_queued()) chunks.push_back(queued.chunk);
  REQUIRE(chunks.size() == events.size());
  ChunkDecoder alone(ApiKind::chat_completions);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const DecodedChunk expected = alone.decode(events[i].data, events[i].name);
    INFO("event " << i << " of " << events.size() << ": " << events[i].name << " '"
                  << events[i].data << "' → " << to_string(chunks[i].kind) << " '"
                  << chunks[i].error_message << "', alone " << to_string(expected.kind) << " '"
                  << expected.error_message << "'");
    CHECK(same(chunks[i], expected));
  }
}

TEST_CASE("a read's events decoded together give what each gives alone", "[openai][decoder]") {
  const std::vector<Event> events = catalogue();
  SECTION("each kind of event between two good chunks") {
    for (const Event& event : events) {
      check_batch_matches_alone({events[0], event, events[0]});
    }
  }
  SECTION("every pair, in both orders") {
    for (const Event& first : events) {
      for (const Event& second : events) check_batch_matches_alone({first, second, events[3]});
    }
  }
  SECTION("random sequences, with events cut anywhere") {
    std::mt19937_64 random(20261206);
    for (int round = 0; round < 3000; ++round) {
      std::vector<Event> batch;
      const std::size_t count = 1 + random() % 12;
      for (std::size_t i = 0; i < count; ++i) {
        Event event = events[random() % events.size()];
        if (random() % 4 == 0 && !event.data.empty()) {
          event.data.resize(random() % event.data.size());
        }
        batch.push_back(std::move(event));
      }
      check_batch_matches_alone(batch);
    }
  }
}

TEST_CASE("a broken event in a read does not take the next one with it", "[openai][decoder]") {
  const std::string chunk = chat_chunk("Hi");
  ChunkDecoder decoder(ApiKind::chat_completions);
  for (int i = 0; i < kLeadingChunks; ++i) decoder.queue(distinct_chunk(i));
  CHECK(decoder.template_matches() == 0);  // so all reach the parser, the last 8 as a batch
  decoder.queue(chunk.substr(0, 40));      // ends inside a string
  decoder.queue(chunk);
  decoder.queue("[DONE]");
  const auto chunks = decoder.decode_queued();
  REQUIRE(chunks.size() == kLeadingChunks + 3);
  CHECK(chunks[0].chunk.kind == ChunkKind::content);  // decoded as it was queued
  CHECK(chunks[0].data == distinct_chunk(0));
  const QueuedChunk* last = &chunks[kLeadingChunks - 1];  // the batch's
  CHECK(last[0].chunk.kind == ChunkKind::content);
  CHECK(last[0].data == distinct_chunk(kLeadingChunks - 1));
  CHECK(last[1].chunk.kind == ChunkKind::error);
  CHECK(last[1].chunk.malformed);
  CHECK(last[2].chunk.kind == ChunkKind::content);
  CHECK(last[2].chunk.content_bytes == 2);
  CHECK(last[3].chunk.kind == ChunkKind::done);
  CHECK(decoder.decode_queued().empty());  // the queue starts again empty
}

TEST_CASE("a read larger than one simdjson batch, and a chunk larger than it",
          "[openai][decoder]") {
  std::vector<Event> events;
  for (int i = 0; i < 600; ++i)
    events.push_back({"message", distinct_chunk(i, "token")});  // ~90 KiB
  check_batch_matches_alone(events);
  events.insert(events.begin() + 300, {"message", chat_chunk(std::string(70 * 1024, 'x'))});
  events.push_back({"message", kUsageChunk});
  check_batch_matches_alone(events);
}

}  // namespace
}  // namespace llmpace::openai
