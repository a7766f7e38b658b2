// The per-chunk client cost on the streaming hot path, over a captured vLLM chat stream:
// response bytes → SseParser → ChunkDecoder → RequestRecord (openai::StreamRecorder).
//
// Counters: `per_chunk` is CPU time per SSE event (seconds, shown with an SI prefix: 450n =
// 450 ns); items_per_second counts events. The target is ≤ 2 µs CPU per chunk.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/metrics/request_record.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/openai/stream_recorder.hpp"
#include "llmpace/sse/sse_parser.hpp"

namespace {

using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::TokenCountSource;
using llmpace::openai::ApiKind;
using llmpace::openai::ChunkDecoder;
using llmpace::openai::DecodedChunk;
using llmpace::openai::StreamRecorder;
using llmpace::sse::SseEventView;
using llmpace::sse::SseParser;

std::string read_stream(const char* name) {
  const std::string path = std::string(LLMPACE_BENCH_DATA_DIR) + "/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// The stream is repeated so one iteration is long enough to time well, as many requests would be.
constexpr int kStreamsPerIteration = 16;

// Exactly what the engine does per request: a StreamRecorder fills a RequestRecord from body
// pieces, each stamped with steady_clock::now() as the socket read would be.
void run_stream(benchmark::State& state, std::string_view stream, std::size_t piece_bytes) {
  ChunkDecoder decoder(ApiKind::chat_completions);
  std::size_t events_per_iteration = 0;
  RequestRecord record;
  for (auto _ : state) {
    events_per_iteration = 0;
    for (int i = 0; i < kStreamsPerIteration; ++i) {
      record = RequestRecord{};
      StreamRecorder recorder(decoder, record);
      for (std::size_t at = 0; at < stream.size(); at += piece_bytes) {
        recorder.on_body(stream.substr(at, piece_bytes), llmpace::SteadyClock::now());
      }
      recorder.finish(llmpace::SteadyClock::now());
      events_per_iteration += recorder.events();
      benchmark::DoNotOptimize(record.token_chunk_times.data());
    }
  }
  if (record.status != RequestStatus::successful || record.token_chunk_times.empty() ||
      record.output_tokens_source != TokenCountSource::server_usage) {
    state.SkipWithError("the captured stream did not decode as expected");
    return;
  }
  const auto events = static_cast<double>(events_per_iteration);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events_per_iteration));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kStreamsPerIteration *
                          static_cast<std::int64_t>(stream.size()));
  state.counters["per_chunk"] = benchmark::Counter(
      events, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["chunks"] = events / kStreamsPerIteration;
}

const std::string& vllm_chat_stream() {
  static const std::string stream = read_stream("vllm_chat_stream.sse");
  return stream;
}

// Socket-sized pieces: a streaming server flushes roughly one event (~250 bytes here) per read;
// under load the kernel coalesces several, up to a full read buffer.
void BM_SseHotPath_Pieces(benchmark::State& state) {
  run_stream(state, vllm_chat_stream(), static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_SseHotPath_Pieces)->ArgName("piece_bytes")->Arg(240)->Arg(1448)->Arg(4096)->Arg(65536);

// Worst case: every byte in its own feed, so every line is assembled in the partial-line buffer.
void BM_SseHotPath_PerByte(benchmark::State& state) { run_stream(state, vllm_chat_stream(), 1); }
BENCHMARK(BM_SseHotPath_PerByte);

// The stream's events' data; with `distinct`, each chunk's choice index made its own, so that no
// chunk differs from one before only in its text and ids.
std::vector<std::string> stream_payloads(bool distinct) {
  std::vector<std::string> payloads;
  SseParser parser([&](const SseEventView& event) { payloads.emplace_back(event.data); });
  parser.feed(vllm_chat_stream());
  if (distinct) {
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      const std::size_t index = payloads[i].find(R"("index":)");
      if (index != std::string::npos) payloads[i].insert(index + 8, std::to_string(i + 1));
    }
  }
  return payloads;
}

// The decoder alone on the stream's events, to split the cost between parsing SSE and JSON: as
// streams come (from the second on, every chunk decoded by a template: see
// openai/chunk_template_set.hpp), and with every chunk parsed (BM_ChunkDecoder_Parsed).
void decode_payloads(benchmark::State& state, bool distinct) {
  const std::vector<std::string> payloads = stream_payloads(distinct);
  ChunkDecoder decoder(ApiKind::chat_completions);
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& payload : payloads) {
      const DecodedChunk chunk = decoder.decode(payload);
      bytes += chunk.content_bytes;
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * payloads.size()));
  state.counters["per_chunk"] = benchmark::Counter(
      static_cast<double>(payloads.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
void BM_ChunkDecoder_Content(benchmark::State& state) { decode_payloads(state, false); }
BENCHMARK(BM_ChunkDecoder_Content);
void BM_ChunkDecoder_Parsed(benchmark::State& state) { decode_payloads(state, true); }
BENCHMARK(BM_ChunkDecoder_Parsed);

}  // namespace

BENCHMARK_MAIN();
