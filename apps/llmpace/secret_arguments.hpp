// Hides secret flag values (--api-key, --header) from the process listing.
//
// /proc/PID/cmdline (what ps and top show) reads the process's own argv memory, so overwriting the
// values in place after parsing removes them from every later listing. A listing taken in the
// microseconds before this runs can still see them: OPENAI_API_KEY is the safer channel, and the
// --help text says so.
#pragma once

namespace llmpace::app {

/// Overwrites, in argv, the values of the secret flags with '*'. Call after CLI parsing.
void hide_secret_arguments(int argc, char** argv);

}  // namespace llmpace::app
