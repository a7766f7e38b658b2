#include "llmpace/http/response_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>

#include "llmpace/core/http_date.hpp"

namespace llmpace::http {

namespace bhttp = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

namespace {

constexpr std::size_t kBodyPieceBytes = 16 * 1024;
constexpr int kSwitchingProtocols = 101;

bool is_interim(int status) { return status >= 100 && status < 200; }

std::string_view view(string_view text) { return {text.data(), text.size()}; }

/// Where the body pieces of one feed() are gathered, chunk framing removed, so that the sink sees
/// one piece per read rather than one per HTTP chunk (the per-call cost downstream is larger than
/// the copy). One per thread, shared by the readers of its connections: a piece goes to the sink
/// before feed() returns and is never kept, so an open stream holds no piece buffer.
std::span<char> body_piece_buffer() {
  thread_local const std::unique_ptr<char[]> buffer(new char[kBodyPieceBytes]);
  return {buffer.get(), kBodyPieceBytes};
}

/// The body bytes of one feed() (Beast's for a body that is not chunked, ChunkedBody's for one
/// that is), gathered into the thread's piece buffer and handed to the sink when it is full and
/// at flush(), at the end of the feed.
class BodyPieces {
 public:
  BodyPieces(const ResponseReader::BodySink& sink, TimePoint read_time)
      : sink_(sink), read_time_(read_time) {}
  BodyPieces(const BodyPieces&) = delete;
  BodyPieces& operator=(const BodyPieces&) = delete;

  void add(std::string_view body) {
    const std::span<char> buffer = body_piece_buffer();
    while (!body.empty()) {
      if (gathered_ == buffer.size()) flush();
      const std::size_t bytes = std::min(body.size(), buffer.size() - gathered_);
      std::memcpy(buffer.data() + gathered_, body.data(), bytes);
      gathered_ += bytes;
      body.remove_prefix(bytes);
    }
  }

  /// Hands what was gathered to the sink.
  void flush() {
    if (gathered_ > 0) sink_(std::string_view(body_piece_buffer().data(), gathered_), read_time_);
    gathered_ = 0;
  }

 private:
  const ResponseReader::BodySink& sink_;
  TimePoint read_time_;
  std::size_t gathered_ = 0;  // bytes of body_piece_buffer() not yet handed on
};

}  // namespace

/// Beast's parser of one response, reporting into its ResponseReader: the status, the headers the
/// client uses, and a body that is not chunked (a chunked one is the reader's ChunkedBody's).
class ResponseReader::Parser final : public bhttp::basic_parser<false> {
 public:
  Parser(ResponseReader& owner, std::size_t header_limit_bytes) noexcept : owner_(owner) {
    body_limit(boost::none);  // streams may be far longer than Beast's 8 MB default
    header_limit(static_cast<std::uint32_t>(header_limit_bytes));
    eager(false);  // stop after the head: a chunked body is the reader's ChunkedBody's
  }

  /// Where put() hands the body of this call (nullptr outside put()).
  void deliver_to(BodyPieces* pieces) { pieces_ = pieces; }
  /// The status line's code; 0 before it is read.
  [[nodiscard]] int status() const { return status_; }

 private:
  void on_request_impl(bhttp::verb, string_view, string_view, int, error_code&) override {}

  void on_response_impl(int code, string_view, int, error_code& error) override {
    status_ = code;
    if (code < 100) {  // Beast takes any three digits; a status starts at 100 (RFC 9110 §15)
      owner_.fail("invalid status code " + std::to_string(code));
      error = bhttp::error::bad_status;
    } else if (code == kSwitchingProtocols) {
      owner_.fail("the server switched protocols (HTTP 101)");
      error = bhttp::error::bad_status;
    }
  }

  void on_field_impl(bhttp::field name, string_view, string_view value, error_code&) override {
    if (is_interim(status_)) return;  // the final response's headers only
    ResponseHeaders& headers = owner_.headers_;
    const auto first = [&](std::string& kept) {
      if (kept.empty()) kept.assign(value.data(), value.size());
    };
    switch (name) {
      case bhttp::field::content_type:
        first(headers.content_type);
        break;
      case bhttp::field::location:
        first(headers.location);
        break;
      case bhttp::field::retry_after:
        first(headers.retry_after);
        break;
      case bhttp::field::date:
        if (!headers.date_unix_s) headers.date_unix_s = parse_http_date(view(value));
        break;
      default:
        break;
    }
  }

  void on_header_impl(error_code&) override {
    // Before any body piece, so that a sink asking the reader sees the status.
    if (!is_interim(status_)) owner_.status_ = status_;
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}

  std::size_t on_body_impl(string_view body, error_code&) override {
    pieces_->add(view(body));
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    pieces_->add(view(body));
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  ResponseReader& owner_;
  BodyPieces* pieces_ = nullptr;
  int status_ = 0;
};

ResponseReader::ResponseReader(std::size_t header_limit_bytes)
    : header_limit_bytes_(header_limit_bytes) {
  start_response();
}

ResponseReader::~ResponseReader() = default;

void ResponseReader::reset() {
  headers_ = ResponseHeaders{};
  status_ = 0;
  interim_responses_ = 0;
  done_ = false;
  closed_early_ = false;
  first_byte_ = TimePoint{};
  error_.clear();
  chunked_ = false;
  chunked_body_.reset();
  start_response();
}

void ResponseReader::start_response() {
  // Beast's parser reads one message; the next is read by a new one, built where the last was.
  if (parser_) {
    static_assert(std::is_nothrow_constructible_v<Parser, ResponseReader&, std::size_t>);
    parser_->~Parser();
    new (parser_.get()) Parser(*this, header_limit_bytes_);
  } else {
    parser_ = std::make_unique<Parser>(*this, header_limit_bytes_);
  }
  response_started_ = false;
}

void ResponseReader::fail(std::string message, bool closed_early) {
  error_ = std::move(message);
  closed_early_ = closed_early;
  done_ = true;
}

bool ResponseReader::header_done() const { return status_ != 0; }

bool ResponseReader::keep_alive() const {
  return header_done() && !failed() && parser_->keep_alive();
}

std::size_t ResponseReader::feed(std::string_view bytes, TimePoint read_time,
                                 const BodySink& on_body) {
  std::size_t consumed = 0;
  while (!done_ && consumed < bytes.size()) {
    if (chunked_) return consumed + feed_chunked_body(bytes.substr(consumed), read_time, on_body);
    Parser& parser = *parser_;
    if (!response_started_) {
      response_started_ = true;
      first_byte_ = read_time;  // provisional until the head shows whether it is interim
    }
    BodyPieces pieces(on_body, read_time);
    parser.deliver_to(&pieces);
    error_code error;
    const std::size_t used =
        parser.put(boost::asio::buffer(bytes.data() + consumed, bytes.size() - consumed), error);
    parser.deliver_to(nullptr);
    pieces.flush();
    consumed += used;
    if (done_) return consumed;  // the status line failed it
    if (parser.is_header_done() && is_interim(parser.status())) {
      // Beast ends a 1xx response at its head; the final response follows on the connection.
      ++interim_responses_;
      first_byte_ = TimePoint{};
      start_response();
      continue;
    }
    if (error == bhttp::error::need_more) return consumed;
    if (error) {
      fail(error.message());
      return consumed;
    }
    if (parser.is_done()) {
      done_ = true;
    } else if (parser.is_header_done() && parser.chunked()) {
      chunked_ = true;  // Beast has read the head; the body is chunked_body_'s
      continue;
    }
    if (used == 0 && !done_) return consumed;  // no progress: wait for more
  }
  return consumed;
}

std::size_t ResponseReader::feed_chunked_body(std::string_view bytes, TimePoint read_time,
                                              const BodySink& on_body) {
  BodyPieces pieces(on_body, read_time);
  const std::size_t used =
      chunked_body_.feed(bytes, [&](std::string_view data) { pieces.add(data); });
  pieces.flush();
  if (chunked_body_.failed()) {
    fail(chunked_body_.error());
  } else if (chunked_body_.done()) {
    done_ = true;
  }
  return used;
}

void ResponseReader::feed_end_of_stream() {
  if (done_) return;
  if (!header_done()) {
    fail(response_started_ || interim_responses_ > 0 ? "inside the response head"
                                                     : "before any response byte",
         /*closed_early=*/true);
    return;
  }
  if (chunked_) {
    fail("before the response body ended", /*closed_early=*/true);
    return;
  }
  error_code error;
  parser_->put_eof(error);
  if (error) {
    fail("before the response body ended", /*closed_early=*/true);
    return;
  }
  done_ = true;  // a body delimited by the close of the connection
}

}  // namespace llmpace::http
