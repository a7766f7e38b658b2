#include "llmpace/core/message_text.hpp"

#include <catch2/catch.hpp>

using llmpace::html_to_text;
using llmpace::one_line;

TEST_CASE("one_line: line breaks and runs of white space become one space") {
  CHECK(one_line("  bad\r\n\tgateway \n\n", 100) == "bad gateway");
  CHECK(one_line("a\x01\x7f b", 100) == "a b");
}

TEST_CASE("one_line: malformed UTF-8 becomes U+FFFD, valid characters are kept whole") {
  CHECK(one_line("ok \xff\xfe end", 100) == "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  CHECK(one_line("caf\xC3\xA9", 100) == "caf\xC3\xA9");
  CHECK(one_line("\xC3", 100) == "\xEF\xBF\xBD");  // a lead byte with its continuation missing
}

TEST_CASE("one_line: cut at a character boundary, with an ellipsis") {
  CHECK(one_line("abcdef", 3) == "abc...");
  CHECK(one_line("abc", 3) == "abc");
  CHECK(one_line("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9...");
  CHECK(one_line("ab cd", 2) == "ab...");
}

TEST_CASE("html_to_text: a proxy's error page reads as its title, or its text") {
  CHECK(html_to_text("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1>"
                     "</body></html>") == "502 Bad Gateway");
  CHECK(one_line(html_to_text("<!DOCTYPE html>\n<body><h1>Service\nUnavailable</h1><p>retry</p>"
                              "</body>"),
                 100) == "Service Unavailable retry");
  CHECK(html_to_text("{\"error\":\"<html>\"}") == "{\"error\":\"<html>\"}");
  CHECK(html_to_text("<b>not a page</b>") == "<b>not a page</b>");
}
