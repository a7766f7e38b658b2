// Facts about the machine that ran the client, for the report: numbers from two machines are
// only comparable when the reader can see what each was.
#pragma once

#include <nlohmann/json.hpp>

namespace llmpace::plan {

/// {"hostname", "os", "kernel", "machine", "cpus", "cpu_model"}; a fact that cannot be read is
/// left out. Reads uname(2) and /proc/cpuinfo; call from any thread.
nlohmann::json host_info();

}  // namespace llmpace::plan
