// ResponseReader: turns the bytes of one HTTP/1.1 response, as they come off the socket, into its
// status, headers and decoded body pieces (chunked framing removed), with the instant each piece
// was read. Interim responses (1xx other than 101) are skipped, as RFC 9110 §15.2 asks of a
// client: the final response that follows is the answer.
//
// Sans-IO: the caller reads, feeds what it read and keeps the bytes the reader did not consume
// (a header or chunk-size line cut in two) in front of the next read. Beast's basic_parser reads
// the head, and a body that is not chunked; a chunked body, what streaming servers send, is
// ChunkedBody's (chunked_body.hpp), cheaper per chunk. The reader keeps only what the client uses
// (the status and four headers), so a response head costs no allocation. The body of each feed()
// reaches the sink in one piece (or 16 KiB pieces), not one call per HTTP chunk.
//
// Thread affinity: none; one response at a time, not synchronised. The body pieces handed to the
// sink live in a buffer shared by the thread's readers: valid only during the call, and a sink
// must not feed another ResponseReader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "llmpace/core/time.hpp"
#include "llmpace/http/chunked_body.hpp"

namespace llmpace::http {

/// The headers of a response that the client uses (the first of each; empty when absent). Others
/// are not kept.
struct ResponseHeaders {
  std::string content_type;                 // a stream is text/event-stream
  std::string location;                     // redirects, which llmpace does not follow
  std::string retry_after;                  // 429, 503
  std::optional<std::int64_t> date_unix_s;  // Date, when an IMF-fixdate (core/http_date.hpp)
};

class ResponseReader {
 public:
  /// Called with each piece of the decoded body of the final response.
  using BodySink = std::function<void(std::string_view bytes, TimePoint read_time)>;

  /// `header_limit_bytes` bounds one response head; bodies are unbounded (streams are long).
  explicit ResponseReader(std::size_t header_limit_bytes = 64 * 1024);
  ~ResponseReader();
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  /// Starts over for the next response on the connection, as if newly constructed, keeping its
  /// allocations: a connection reads every response with one reader.
  void reset();

  /// Parses what it can of `bytes`, read at `read_time`, handing body pieces to `on_body`.
  /// Returns how many bytes it consumed; the rest must be fed again, followed by more.
  /// Stops consuming once the response is done or failed.
  std::size_t feed(std::string_view bytes, TimePoint read_time, const BodySink& on_body);

  /// The peer closed the connection: completes a body that runs until the close, or fails.
  void feed_end_of_stream();

  /// The response is complete, or failed.
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool failed() const { return !error_.empty(); }
  /// The bytes are not a valid HTTP/1.1 response (bad chunk size, head too long, ...).
  [[nodiscard]] bool malformed() const { return failed() && !closed_early_; }
  /// The peer closed the connection before the response was complete.
  [[nodiscard]] bool closed_early() const { return closed_early_; }
  /// What went wrong, for a report; empty when nothing did.
  [[nodiscard]] const std::string& error() const { return error_; }
  /// The final response's head has been read.
  [[nodiscard]] bool header_done() const;
  /// The final response's status; 0 before its head is read.
  [[nodiscard]] int status() const { return status_; }
  /// Hands over the final response's headers that the client uses (empty before its head is
  /// read, and after they were taken).
  ResponseHeaders take_headers() { return std::move(headers_); }
  /// The connection may carry another request after this response.
  [[nodiscard]] bool keep_alive() const;
  /// Interim (1xx) responses skipped before the final one.
  [[nodiscard]] int interim_responses() const { return interim_responses_; }
  /// When the first byte of the final response was read (after any interim response); unset
  /// (TimePoint{}) until a byte of it has been fed.
  [[nodiscard]] TimePoint first_byte() const { return first_byte_; }

 private:
  class Parser;
  void start_response();
  /// feed() once the head of a chunked response has been read.
  std::size_t feed_chunked_body(std::string_view bytes, TimePoint read_time,
                                const BodySink& on_body);
  void fail(std::string message, bool closed_early = false);

  std::size_t header_limit_bytes_;
  // One allocation per reader: every response, interim or final, is parsed in this storage.
  std::unique_ptr<Parser> parser_;
  ResponseHeaders headers_;
  int status_ = 0;
  int interim_responses_ = 0;
  bool done_ = false;
  bool closed_early_ = false;
  bool response_started_ = false;  // a byte of the current (maybe interim) response was fed
  TimePoint first_byte_{};
  std::string error_;
  bool chunked_ = false;  // the final response's head said chunked: the body is chunked_body_'s
  ChunkedBody chunked_body_;
};

}  // namespace llmpace::http
