// render_request: the bytes of one HTTP/1.1 request as llmpace sends it — request line, the
// headers (Host, User-Agent, Accept, Authorization, X-Request-Id, the --header ones, Content-Type,
// Content-Length) and the body — written into a string the caller reuses, so a request costs no
// allocation once the string has grown to size.
//
// A --header with the name of one of llmpace's own headers replaces it (names compare without
// case), except Content-Length, which always matches the body; later --header entries of one name
// replace earlier ones. Header values are checked for line breaks where they are read.
//
// Thread affinity: none (a pure function).
#pragma once

#include <string>

#include "llmpace/http/client_options.hpp"
#include "llmpace/http/connection.hpp"

namespace llmpace::http {

/// Replaces `out` with the request's bytes.
void render_request(const ClientOptions& options, const HttpRequest& request, std::string& out);

}  // namespace llmpace::http
