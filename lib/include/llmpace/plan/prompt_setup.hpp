// build_prompt_source: the prompts of a run, made once its target is up, because the target's own
// /tokenize may be what counts them (tokenizer "auto" or "server").
//
// Thread affinity: the calling thread; the PromptSource it returns is shared with the workers.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "llmpace/engine/target.hpp"
#include "llmpace/workload/prompt.hpp"
#include "llmpace/workload/workload_plan.hpp"

namespace llmpace::plan {

/// How the setup reports notes and warnings (one line each).
using NoteSink = std::function<void(std::string_view text, bool warning)>;

/// Makes the prompts of `workload` for `target` (whose model is known). Throws ConfigError when
/// the tokenizer cannot be used for them, RunError when the target fails.
std::shared_ptr<const workload::PromptSource> build_prompt_source(
    const workload::WorkloadPlan& workload, const engine::Target& target, const NoteSink& note);

}  // namespace llmpace::plan
