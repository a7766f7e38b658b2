// Sweep: the request rates of a sweep's open-loop stages, from what its first two stages measured.
//
// A sweep of K benchmarks runs synchronous (measuring r_sync req/s), then throughput (r_max), then
// K-2 constant or poisson stages at linspace(r_sync, r_max, K-1) without its first value: evenly
// spaced rates whose last equals r_max. These are GuideLLM's sweep semantics, so users get the
// stages they expect.
//
// Pure; safe from any thread.
#pragma once

#include <vector>

namespace llmpace::profile {

/// The K-2 open-loop rates (req/s) of a sweep of `benchmark_count` = K benchmarks, ascending when
/// throughput_rate > synchronous_rate. K = 2 gives none; K = 3 gives {throughput_rate}.
///
/// A server that saturates at one stream can measure throughput_rate <= synchronous_rate; the
/// rates are then the same linspace, descending (or all equal), still ending at throughput_rate.
/// Throws ConfigError when K < 2, and RunError when either rate is not positive and finite (a
/// stage that completed no requests cannot seed the sweep).
std::vector<double> sweep_rates(double synchronous_rate, double throughput_rate,
                                int benchmark_count);

}  // namespace llmpace::profile
