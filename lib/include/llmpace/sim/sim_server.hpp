// SimServer: the built-in OpenAI-compatible simulator, shaped like vLLM's `vllm serve`.
//
// Endpoints: GET /health, GET /v1/models, GET /metrics (vLLM names, see sim_metrics.hpp),
// GET /dcgm/metrics (and /metrics on dcgm_port; engine presets only), POST /tokenize and
// /detokenize (vLLM shapes), POST /v1/chat/completions and /v1/completions (streaming over SSE
// or one JSON body).
//
// Two ways to time tokens. Without options.preset, each request on its own: token k is written
// at received + ttft + gap_1 + ... + gap_k (LatencyModel; absolute deadlines, so a late write
// never delays the tokens after it). With options.preset, one continuous-batching model shared by
// every request (InferenceModel run in real time by an InferenceDriver thread): requests queue for
// KV-cache blocks and each token is written when the model step that produced it ends.
//
// Threads: `threads` io threads, each with its own io_context, latency model and RNG, plus the
// InferenceDriver's thread with a preset; the listener hands connections round-robin to the io
// threads; one coroutine serves one connection (keep-alive, requests in sequence). HTTPS when
// tls_cert_file and tls_key_file are set.
//
// Lifetime and thread affinity: construct, start() and stop() from one controlling thread (never
// from inside a request). stop() is idempotent and also run by the destructor; it ends every
// connection, in-flight streams included, and joins the io threads. wait() may be called from
// another thread and returns once stop() has finished.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "llmpace/sim/sim_options.hpp"

namespace llmpace::sim {

class SimMetrics;

class SimServer {
 public:
  /// Validates `options` (ConfigError) and loads the TLS certificate and key when given.
  explicit SimServer(SimOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  /// Binds and listens (RunError when that fails), then serves on background threads. Once.
  void start();
  /// The bound port (the ephemeral one when options.port was 0); valid after start().
  [[nodiscard]] std::uint16_t port() const;
  /// The DCGM exporter listener's port (options.dcgm_port); 0 when there is none.
  [[nodiscard]] std::uint16_t dcgm_port() const;
  /// The max_model_len served and enforced (options.max_model_len capped at the KV budget).
  [[nodiscard]] std::int64_t max_model_len() const;
  /// "http://127.0.0.1:PORT" (https with TLS); a wildcard host becomes its loopback address.
  [[nodiscard]] std::string base_url() const;
  /// The counters behind /metrics (for tests and embedding).
  [[nodiscard]] const SimMetrics& metrics() const;

  void stop();
  void wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmpace::sim
