// Options of the HTTP(S) client: where to connect (and how to look the host up), how to trust the
// server, and how long each step may take. Plain data; copied into every Connection.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/http/name_resolver.hpp"
#include "llmpace/http/url.hpp"

namespace llmpace::http {

/// Deadlines of one request. Each applies to its own step; `request_total` caps them all.
struct Timeouts {
  /// Name resolution and TCP connect together (--connect-timeout): a name that does not resolve
  /// in time is a connect_timeout like a SYN that goes unanswered. Resolution happens once per
  /// EndpointCache (one per engine worker), so usually only the first connection waits for it.
  Nanoseconds connect = Seconds{10};
  Nanoseconds tls_handshake = Seconds{10};  // TLS handshake
  /// Longest silence once the request is being written (--idle-timeout): while writing it, before
  /// the first response byte, between bytes of the head and between reads of the body. Silence
  /// before the head is complete is a header_timeout, after it an idle_timeout.
  Nanoseconds idle = Seconds{120};
  Nanoseconds request_total = Seconds{600};  // whole request, connect included
};

struct TlsOptions {
  bool insecure = false;     // skip certificate and host name verification (--insecure)
  std::string ca_cert_file;  // extra trusted CA bundle in PEM (--ca-cert); system CAs also trusted
};

struct Header {
  std::string name;
  std::string value;
};

struct ClientOptions {
  Url base_url;
  TlsOptions tls;
  Timeouts timeouts;
  /// Sent as "Authorization: Bearer <api_key>" when not empty. Never logged or reported.
  std::string api_key;
  std::vector<Header> extra_headers;  // --header "Name: value", sent on every request
  std::string user_agent;
  /// How the host name becomes endpoints; empty: the system's resolver. A seam for tests.
  NameResolver resolver;
};

}  // namespace llmpace::http
