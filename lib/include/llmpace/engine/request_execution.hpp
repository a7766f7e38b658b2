// One request, start to finish: build the body, run the HTTP exchange on a connection, stream
// the response into a RequestRecord, and classify how it ended. Never throws for request
// failures: they become the record's status and error kind.
//
// Thread affinity: the thread of the connection's io_context.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "llmpace/engine/target.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/workload/prompt.hpp"

namespace llmpace::engine {

/// Runs `prompt` against `target` on `connection`. `record.index` and `record.scheduled` must be
/// set by the caller; everything else is filled here, `record.body_hash` only `with_body_hash`.
/// `reply`, when not null, receives the generated text (for the next turn of a conversation).
boost::asio::awaitable<void> async_execute_request(
    const Target& target, http::Connection& connection, openai::ChunkDecoder& decoder,
    const workload::Prompt& prompt, metrics::RequestRecord& record, std::string* reply = nullptr,
    bool with_body_hash = true);

}  // namespace llmpace::engine
