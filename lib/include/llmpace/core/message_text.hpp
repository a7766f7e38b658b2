// Text from a server, made fit for a one-line message in a report or on the console: valid UTF-8
// (malformed bytes become U+FFFD), no control characters or line breaks (runs of white space become
// one space), and at most a given number of characters, cut at a character boundary with "...".
// HTML (a proxy's error page) is reduced to its title, or to its text without tags.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmpace {

/// `text` as one line of at most `max_chars` code points (plus "..." when cut).
std::string one_line(std::string_view text, std::size_t max_chars);

/// The readable text of an HTML page: its <title> when it has one, else its text without tags.
/// Returns `text` unchanged when it does not look like HTML.
std::string html_to_text(std::string_view text);

}  // namespace llmpace
