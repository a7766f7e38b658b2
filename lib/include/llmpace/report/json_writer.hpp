// JSON report writer: the schema is documented in docs/report-schema.md.
#pragma once

#include <nlohmann/json.hpp>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

nlohmann::json to_json(const Report& report);

}  // namespace llmpace::report
