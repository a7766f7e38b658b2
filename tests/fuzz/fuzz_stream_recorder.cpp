// Fuzz target: StreamRecorder (openai/stream_recorder.hpp), response body bytes to RequestRecord.
// The first byte chooses the API (bit 0) and whether a reply buffer is kept (bit 1); the rest is
// read as in fuzz_support.hpp: piece sizes, then the body. Each piece is read 1 ms after the last.
// Checks the record's invariants, and that the body fed whole, or a byte at a time, gives the same
// record but for times.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/openai/stream_recorder.hpp"

namespace {

using llmpace::ErrorKind;
using llmpace::Milliseconds;
using llmpace::TimePoint;
using llmpace::fuzz::SplitInput;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::TokenCountSource;
using llmpace::openai::ApiKind;
using llmpace::openai::ChunkDecoder;
using llmpace::openai::StreamRecorder;

const TimePoint kStart = TimePoint{} + Milliseconds(1000);

struct Recorded {
  RequestRecord record;
  std::string reply;
  std::int64_t token_chunks = 0;
  TimePoint end;
};

Recorded record(ChunkDecoder& decoder, const SplitInput& input, bool keep_reply) {
  Recorded out;
  StreamRecorder recorder(decoder, out.record, keep_reply ? &out.reply : nullptr);
  TimePoint read_time = kStart;
  llmpace::fuzz::for_each_piece(input, [&](std::string_view piece) {
    read_time += Milliseconds(1);
    recorder.on_body(piece, read_time);
  });
  out.end = read_time + Milliseconds(1);
  recorder.finish(out.end);
  out.token_chunks = recorder.token_chunks();
  FUZZ_CHECK(!(recorder.saw_error() && out.record.status == RequestStatus::successful));
  return out;
}

void check_invariants(const Recorded& recorded) {
  const RequestRecord& record = recorded.record;
  FUZZ_CHECK(record.output_tokens >= 0);
  FUZZ_CHECK(record.prompt_tokens >= 0);
  FUZZ_CHECK(record.output_tokens_source != TokenCountSource::none);
  if (record.output_tokens_source == TokenCountSource::chunk_count) {
    FUZZ_CHECK(record.output_tokens == recorded.token_chunks);
  }
  const std::vector<TimePoint>& times = record.token_chunk_times;
  FUZZ_CHECK(static_cast<std::int64_t>(times.size()) == recorded.token_chunks);
  FUZZ_CHECK(record.has_first_token() == !times.empty());
  if (!times.empty()) FUZZ_CHECK(times.front() == record.first_token);
  for (std::size_t i = 0; i < times.size(); ++i) {
    FUZZ_CHECK(times[i] > kStart && times[i] < recorded.end);
    if (i > 0) FUZZ_CHECK(times[i - 1] <= times[i]);
  }
  FUZZ_CHECK(record.done == recorded.end);
  FUZZ_CHECK(record.status != RequestStatus::incomplete);
  FUZZ_CHECK((record.status == RequestStatus::errored) == (record.error_kind != ErrorKind::none));
  FUZZ_CHECK((record.status == RequestStatus::errored) == !record.error_message.empty());
}

/// The same body read in other pieces gives the same record, but for its times.
void check_same_but_times(const Recorded& recorded, const Recorded& expected) {
  const RequestRecord& a = recorded.record;
  const RequestRecord& b = expected.record;
  FUZZ_CHECK(a.token_chunk_times.size() == b.token_chunk_times.size());
  FUZZ_CHECK(a.output_tokens == b.output_tokens && a.prompt_tokens == b.prompt_tokens);
  FUZZ_CHECK(a.output_tokens_source == b.output_tokens_source);
  FUZZ_CHECK(a.prompt_tokens_source == b.prompt_tokens_source);
  FUZZ_CHECK(a.finish_reason == b.finish_reason && a.usage_problem == b.usage_problem);
  FUZZ_CHECK(a.status == b.status && a.error_kind == b.error_kind);
  FUZZ_CHECK(a.error_message == b.error_message);
  FUZZ_CHECK(recorded.reply == expected.reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ApiKind api = (data[0] & 1) != 0 ? ApiKind::completions : ApiKind::chat_completions;
  const bool keep_reply = (data[0] & 2) != 0;
  const SplitInput input = llmpace::fuzz::split_input(data + 1, size - 1);

  // A fresh decoder for each run: each then decodes the same chunks in the same order.
  // (A decoder reused across inputs could answer differently on invalid JSON, see
  // fuzz_chunk_decoder.cpp.)
  ChunkDecoder decoder(api);
  const Recorded pieces = record(decoder, input, keep_reply);
  check_invariants(pieces);

  SplitInput whole = input;
  whole.piece_sizes.clear();
  ChunkDecoder second_decoder(api);
  const Recorded at_once = record(second_decoder, whole, keep_reply);
  check_invariants(at_once);
  check_same_but_times(pieces, at_once);
  if (!keep_reply) FUZZ_CHECK(pieces.reply.empty());

  // A byte at a time, no event lies whole in a read: none is recognised where it lies
  // (ChunkDecoder::recognise()), and the record is the same.
  SplitInput bytes = input;
  bytes.piece_sizes = {1};
  ChunkDecoder third_decoder(api);
  const Recorded byte_by_byte = record(third_decoder, bytes, keep_reply);
  check_invariants(byte_by_byte);
  FUZZ_CHECK(third_decoder.template_recognitions() == 0);
  check_same_but_times(byte_by_byte, at_once);
  return 0;
}
