#include "llmpace/http/response_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <span>
#include <string>

namespace llmpace::http {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kBodyPieceBytes = 16 * 1024;
constexpr int kSwitchingProtocols = 101;

bool is_interim(int status) { return status >= 100 && status < 200; }

/// Where Beast writes each decoded body piece. One per thread, shared by the readers of its
/// connections: a piece goes to the sink before feed() returns and is never kept, so a response
/// waiting for its next chunk holds no piece buffer (16 KiB per open stream otherwise).
std::span<char> body_piece_buffer() {
  thread_local const std::unique_ptr<char[]> buffer(new char[kBodyPieceBytes]);
  return {buffer.get(), kBodyPieceBytes};
}

}  // namespace

struct ResponseReader::Parser {
  bhttp::response_parser<bhttp::buffer_body> beast;
};

ResponseReader::ResponseReader(std::size_t header_limit_bytes)
    : header_limit_bytes_(header_limit_bytes) {
  start_response();
}

ResponseReader::~ResponseReader() = default;

void ResponseReader::start_response() {
  parser_ = std::make_unique<Parser>();
  parser_->beast.body_limit(boost::none);  // streams may be far longer than Beast's 8 MB default
  parser_->beast.header_limit(static_cast<std::uint32_t>(header_limit_bytes_));
  parser_->beast.eager(true);  // parse into the body in the same call as the head
  response_started_ = false;
}

void ResponseReader::fail(std::string message, bool closed_early) {
  error_ = std::move(message);
  closed_early_ = closed_early;
  done_ = true;
}

bool ResponseReader::header_done() const { return status_ != 0; }

std::string_view ResponseReader::header(std::string_view name) const {
  if (!header_done()) return {};
  const auto& fields = parser_->beast.get();
  const auto found = fields.find(boost::beast::string_view(name.data(), name.size()));
  if (found == fields.end()) return {};
  const auto value = found->value();
  return {value.data(), value.size()};
}

bool ResponseReader::keep_alive() const {
  return header_done() && !failed() && parser_->beast.get().keep_alive();
}

std::size_t ResponseReader::feed(std::string_view bytes, TimePoint read_time,
                                 const BodySink& on_body) {
  std::size_t consumed = 0;
  while (!done_ && consumed < bytes.size()) {
    auto& beast = parser_->beast;
    if (!response_started_) {
      response_started_ = true;
      first_byte_ = read_time;  // provisional until the head shows whether it is interim
    }
    const std::span<char> body_piece = body_piece_buffer();
    beast.get().body().data = body_piece.data();
    beast.get().body().size = body_piece.size();
    error_code error;
    const std::size_t used =
        beast.put(boost::asio::buffer(bytes.data() + consumed, bytes.size() - consumed), error);
    consumed += used;
    if (beast.is_header_done() && status_ == 0) {
      const int status = static_cast<int>(beast.get().result_int());
      if (status < 100) {  // Beast takes any three digits; a status starts at 100 (RFC 9110 §15)
        fail("invalid status code " + std::to_string(status));
        return consumed;
      }
      if (status == kSwitchingProtocols) {
        fail("the server switched protocols (HTTP 101)");
        return consumed;
      }
      if (is_interim(status)) {
        // Beast ends a 1xx response at its head; the final response follows on the connection.
        ++interim_responses_;
        first_byte_ = TimePoint{};
        start_response();
        continue;
      }
      status_ = status;
    }
    const std::size_t body_bytes = body_piece.size() - beast.get().body().size;
    if (body_bytes > 0) on_body(std::string_view(body_piece.data(), body_bytes), read_time);
    if (error == bhttp::error::need_more) return consumed;
    if (error && error != bhttp::error::need_buffer) {  // need_buffer: the piece filled up
      fail(error.message());
      return consumed;
    }
    if (beast.is_done()) done_ = true;
    if (used == 0 && body_bytes == 0 && !done_) return consumed;  // no progress: wait for more
  }
  return consumed;
}

void ResponseReader::feed_end_of_stream() {
  if (done_) return;
  if (!header_done()) {
    fail(response_started_ || interim_responses_ > 0 ? "inside the response head"
                                                     : "before any response byte",
         /*closed_early=*/true);
    return;
  }
  error_code error;
  parser_->beast.put_eof(error);
  if (error) {
    fail("before the response body ended", /*closed_early=*/true);
    return;
  }
  done_ = true;  // a body delimited by the close of the connection
}

}  // namespace llmpace::http
