// Shard: which part of one benchmark this process sends when N processes (pods of a Kubernetes
// Indexed Job, docs/scale-out.md) share it. Shard I of N takes:
// - open loop: the requests n ≡ I (mod N) of the one global arrival schedule, so the N shards
//   together send exactly the schedule one process would, request indices included;
// - closed loop: its share of the streams (shares differ by at most one, larger first), its
//   requests numbered I, I + N, I + 2N, ...;
// and, either way, the requests of --max-requests whose global index it owns. Prompts are taken
// by global index, so no two shards send the same prompt.
//
// A value; safe from any thread.
#pragma once

namespace llmpace::engine {

struct Shard {
  int index = 0;  // 0 <= index < count
  int count = 1;
  [[nodiscard]] bool sharded() const { return count > 1; }
};

/// `total` split into `parts` shares that differ by at most one, larger shares first.
[[nodiscard]] constexpr int share_of(int total, int part, int parts) {
  return total / parts + (part < total % parts);
}

}  // namespace llmpace::engine
