// References in setting values, so that secrets never sit in a scenario file or a ConfigMap:
//
//   ${env:NAME}    the value of environment variable NAME
//   ${file:PATH}   the content of file PATH, without its trailing newline (a mounted Secret)
//
// A value may mix text and references ("Bearer ${file:/var/run/secrets/token}"); "$${" stands
// for a literal "${".
//
// Pure apart from reading the environment and the named files; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace llmpace::scenario {

/// `text` with every reference replaced. Throws ConfigError (no setting named: the caller adds
/// it) for an unset variable, an unreadable file or a malformed reference.
std::string expand_references(std::string_view text);

/// True when `text` can hold no literal secret: it holds a reference, and the text around its
/// references is at most an authorization scheme ("Bearer ${file:/var/run/secrets/token}").
bool is_secret_free(std::string_view text);

}  // namespace llmpace::scenario
