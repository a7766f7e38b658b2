// ChunkTemplate and ChunkTemplateSet (openai/chunk_template*.hpp): a chunk that differs from a
// decoded one only in its text and ids decodes without the parser, to exactly what it gives.
#include "llmpace/openai/chunk_template.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/openai/chunk_template_set.hpp"
#include "unit/openai/same_chunk.hpp"
#include "unit/sse/captured_stream.hpp"

namespace llmpace::openai {
namespace {

using test::same;

using TextField = ChunkTemplate::TextField;

/// A vLLM chat chunk around the JSON string body `text`.
std::string vllm_chunk(std::string_view text, std::string_view id = "chatcmpl-7",
                       std::string_view finish = "null") {
  return R"({"id":")" + std::string(id) +
         R"(","object":"chat.completion.chunk","created":1733,"model":"m","choices":[{"index":0,)"
         R"("delta":{"content":")" +
         std::string(text) + R"("},"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}";
}

/// Short string bodies built from the bytes that matter to a JSON string: quotes, backslashes and
/// what may follow one, control characters, UTF-8 lead and continuation bytes, plain ASCII.
std::string random_body(std::mt19937_64& random) {
  static const std::vector<std::string> pieces = {"a",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "\\\"",
                                                  "\\\\",
                                                  "\\/",
                                                  "\\b",
                                                  "\\f",
                                                  "\\n",
                                                  "\\r",
                                                  "\\t",
                                                  "\\u",
                                                  "\\x",
                                                  "\\u00e9",
                                                  "\\ud83d\\ude00",
                                                  "\\ud83d",
                                                  "0",
                                                  "u",
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  "\n",
                                                  std::string(1, '\0'),
                                                  "\xc3\xa9",
                                                  "\xc3",
                                                  "\xa9",
                                                  "\xe2\x82\xac",
                                                  "\xf0\x9f\x98\x80",
                                                  "\xf0\x9f\x98",
                                                  "\xc0\xaf",
                                                  "\xed\xa0\x80",
                                                  "\xff",
                                                  "\xf4\x90\x80\x80"};
  std::string body;
  const std::size_t count = random() % 6;
  for (std::size_t i = 0; i < count; ++i) body += pieces[random() % pieces.size()];
  return body;
}

TEST_CASE("json_string_text_size: the unescaped size of a valid string body",
          "[openai][template]") {
  CHECK(json_string_text_size("") == 0u);
  CHECK(json_string_text_size("Hello") == 5u);
  CHECK(json_string_text_size(R"(\"\\\/\b\f\n\r\t)") == 8u);  // every two-byte escape is one
  CHECK(json_string_text_size("\x7f") == 1u);
  CHECK(json_string_text_size("caf\xc3\xa9") == 5u);  // UTF-8 bytes, as the parser counts
  CHECK(json_string_text_size("\xf0\x9f\x98\x80") == 4u);
}

TEST_CASE("json_string_text_size: anything but a whole valid body is refused",
          "[openai][template]") {
  CHECK_FALSE(json_string_text_size(R"(a"b)"));     // would end the string
  CHECK_FALSE(json_string_text_size("ab\\"));       // would escape the closing quote
  CHECK_FALSE(json_string_text_size(R"(\x)"));      // not an escape
  CHECK_FALSE(json_string_text_size(R"(\u00e9)"));  // left to the parser
  for (int byte = 0; byte < 0x20; ++byte) {
    INFO("byte " << byte);
    CHECK_FALSE(json_string_text_size(std::string("a") + static_cast<char>(byte) + "b"));
  }
  CHECK_FALSE(json_string_text_size("\xff"));
  CHECK_FALSE(json_string_text_size("\xc3"));              // cut short
  CHECK_FALSE(json_string_text_size("\xc0\xaf"));          // overlong
  CHECK_FALSE(json_string_text_size("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(json_string_text_size("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST_CASE("json_string_text_size agrees with the parser wherever it answers",
          "[openai][template]") {
  std::mt19937_64 random(20261206);
  int answered = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string body = random_body(random);
    const std::optional<std::size_t> size = json_string_text_size(body);
    ChunkDecoder decoder(ApiKind::chat_completions);
    const DecodedChunk parsed =
        decoder.decode(R"({"choices":[{"delta":{"content":")" + body + R"("}}]})");
    INFO("body '" << body << "', parsed " << to_string(parsed.kind) << " " << parsed.content_bytes);
    if (size) {
      ++answered;
      CHECK(parsed.kind != ChunkKind::error);
      CHECK(parsed.content_bytes == *size);
    } else if (body.find("\\u") == std::string::npos) {
      CHECK(parsed.kind == ChunkKind::error);  // refused only what the parser refuses, or \u
    }
  }
  CHECK(answered > 2000);  // the random bodies are not all refused
}

/// What the parser decodes `json` to, and where a template may vary it, as the decoder finds them.
struct Learned {
  DecodedChunk chunk;
  ChunkTemplate::Layout layout;
};

/// The layout of a chunk with at most one "content" or "reasoning_content" string, whose ignored
/// values are those of `ignored` keys (top-level fields the decoder does not read), in order.
Learned learned(std::string_view json,
                std::initializer_list<std::string_view> ignored = {"id", "created", "model"}) {
  Learned result;
  ChunkDecoder fresh(ApiKind::chat_completions);
  result.chunk = fresh.decode(json);
  for (const std::string_view field : {"content", "reasoning_content"}) {
    const std::string key = "\"" + std::string(field) + "\":\"";
    if (const std::size_t at = json.find(key); at != std::string_view::npos) {
      result.layout.text_quote = at + key.size() - 1;
      result.layout.text_field = field == "content" ? TextField::content : TextField::reasoning;
    }
  }
  std::vector<std::size_t> values;
  for (const std::string_view key : ignored) {
    const std::size_t at = json.find("\"" + std::string(key) + "\":");
    REQUIRE(at != std::string_view::npos);
    values.push_back(at + key.size() + 3);
  }
  std::sort(values.begin(), values.end());
  for (const std::size_t at : values) {
    result.layout.ignored_values[result.layout.ignored_count++] = at;
  }
  return result;
}

bool learn(ChunkTemplate& chunk_template, std::string_view json) {
  const Learned parsed = learned(json);
  return chunk_template.learn(json, parsed.layout, parsed.chunk);
}

/// What the template decodes `json` to, or nullopt.
std::optional<DecodedChunk> match(ChunkTemplate& chunk_template, std::string_view json) {
  DecodedChunk chunk;
  if (!chunk_template.match(json, chunk)) return std::nullopt;
  return chunk;
}

/// A vLLM chat chunk with the given id, created and text, as JSON.
std::string vllm(std::string_view text, std::string_view id, std::string_view created) {
  return R"({"id":")" + std::string(id) + R"(","object":"chat.completion.chunk","created":)" +
         std::string(created) + R"(,"model":"m","choices":[{"index":0,"delta":{"content":")" +
         std::string(text) + R"("},"logprobs":null,"finish_reason":null}]})";
}

TEST_CASE("ChunkTemplate: a chunk with another text matches", "[openai][template]") {
  ChunkTemplate chunk_template;
  const std::string first = vllm_chunk("Hello");
  CHECK_FALSE(match(chunk_template, first));  // nothing learned yet
  REQUIRE(learn(chunk_template, first));

  const auto matched = match(chunk_template, vllm_chunk(R"( wor\"ld\n)"));
  REQUIRE(matched);
  CHECK(matched->kind == ChunkKind::content);
  CHECK(matched->content_bytes == 8);
  CHECK_FALSE(matched->has_role);
  CHECK(match(chunk_template, first).value().content_bytes == 5);
  CHECK(match(chunk_template, vllm_chunk(std::string(5000, 'x'))).value().content_bytes == 5000);

  SECTION("other bytes around the text do not") {
    CHECK_FALSE(match(chunk_template, vllm_chunk("x", "chatcmpl-7", R"("stop")")));
    CHECK_FALSE(match(chunk_template, vllm_chunk("x") + " "));
    CHECK_FALSE(match(chunk_template, vllm_chunk("x").substr(1)));
    std::string other_index = vllm_chunk("x");
    other_index.replace(other_index.find(R"("index":0)"), 9, R"("index":1)");
    CHECK_FALSE(match(chunk_template, other_index));
  }
  SECTION("nor do texts the parser must read") {
    CHECK_FALSE(match(chunk_template, vllm_chunk("")));
    CHECK_FALSE(match(chunk_template, vllm_chunk(R"(\u00e9)")));
    CHECK_FALSE(match(chunk_template, vllm_chunk(R"(a"b)")));  // the text would end early
    CHECK_FALSE(match(chunk_template, vllm_chunk("a\\")));     // it would not end
    CHECK_FALSE(match(chunk_template, vllm_chunk("a\nb")));
    CHECK_FALSE(match(chunk_template, vllm_chunk("\xff")));
  }
}

TEST_CASE("ChunkTemplate: another response's ids match, and become the template",
          "[openai][template]") {
  ChunkTemplate chunk_template;
  REQUIRE(learn(chunk_template, vllm("Hello", "chatcmpl-7", "1733")));

  CHECK(match(chunk_template, vllm("a", "chatcmpl-8", "1734")).value().content_bytes == 1);
  CHECK(match(chunk_template, vllm("ab", "chatcmpl-8", "1734")).value().content_bytes == 2);
  CHECK(match(chunk_template, vllm("abc", "chatcmpl-7", "1733")).value().content_bytes == 3);
  CHECK(match(chunk_template, vllm("a", "", "0")));                      // an empty id
  CHECK(match(chunk_template, vllm("a", std::string(2000, 'i'), "9")));  // a longer one
  CHECK(match(chunk_template, vllm("a", "cmpl-9", "17334567890123")));
  std::string other_model = vllm("a", "chatcmpl-9", "1");
  other_model.replace(other_model.find(R"("model":"m")"), 11, R"("model":"other")");
  CHECK(match(chunk_template, other_model));

  SECTION("values the template would have to check as the parser does are the parser's") {
    for (const std::string_view id : {R"(a\"b)", R"(a\\b)", R"(\u0041)", "caf\xc3\xa9", "a\tb"}) {
      INFO("id " << id);
      CHECK_FALSE(match(chunk_template, vllm("a", id, "1")));
    }
    for (const std::string_view created : {"01", "-1", "1.5", "1e3", "", "1 ", "\"1\"", "null"}) {
      INFO("created " << created);
      CHECK_FALSE(match(chunk_template, vllm("a", "chatcmpl-9", created)));
    }
    CHECK(match(chunk_template, vllm("a", "chatcmpl-9", "0")));  // still the template
  }
  SECTION("a value that is not a plain string or whole number stays as it was learned") {
    ChunkTemplate escaped;
    REQUIRE(learn(escaped, vllm("Hello", R"(a\"b)", "1.5")));
    CHECK(match(escaped, vllm("x", R"(a\"b)", "1.5")));
    CHECK_FALSE(match(escaped, vllm("x", "ab", "1.5")));
    CHECK_FALSE(match(escaped, vllm("x", R"(a\"b)", "2")));
  }
}

TEST_CASE("ChunkTemplate: a chunk matched with other values becomes the template",
          "[openai][template]") {
  const auto without_text = [](std::string json, std::string_view text) {
    return json.erase(json.find(text), text.size());
  };
  ChunkTemplate chunk_template;
  REQUIRE(learn(chunk_template, vllm("Hello", "chatcmpl-7", "1733")));
  CHECK(chunk_template.frame() == without_text(vllm("Hello", "chatcmpl-7", "1733"), "Hello"));
  // Values of the same sizes are written over the last ones; others rebuild the template.
  for (const auto& [id, created] :
       {std::pair{"chatcmpl-8", "1734"}, std::pair{"c", "1"}, std::pair{"chatcmpl-900", "17345"}}) {
    INFO(id << " " << created);
    REQUIRE(match(chunk_template, vllm("Hi", id, created)));
    CHECK(chunk_template.frame() == without_text(vllm("Hi", id, created), "Hi"));
  }
  const std::string llamacpp_order =
      R"({"choices":[{"delta":{"content":"Hi"}}],"created":1735,"id":"chatcmpl-A"})";
  const Learned parsed = learned(llamacpp_order, {"created", "id"});
  REQUIRE(chunk_template.learn(llamacpp_order, parsed.layout, parsed.chunk));
  const std::string next =
      R"({"choices":[{"delta":{"content":"abc"}}],"created":1736,"id":"chatcmpl-B"})";
  REQUIRE(match(chunk_template, next));
  CHECK(chunk_template.frame() == without_text(next, "abc"));
}

TEST_CASE("ChunkTemplate: values after the text vary too (llama.cpp's order)",
          "[openai][template]") {
  const auto llamacpp = [](std::string_view text, std::string_view created, std::string_view id) {
    return R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":")" +
           std::string(text) + R"("}}],"created":)" + std::string(created) + R"(,"id":")" +
           std::string(id) +
           R"(","model":"q","system_fingerprint":"b1-x","object":"chat.completion.chunk"})";
  };
  ChunkTemplate chunk_template;
  const std::string first = llamacpp("Hi", "1735", "chatcmpl-A");
  const Learned parsed = learned(first, {"created", "id", "model", "system_fingerprint"});
  REQUIRE(chunk_template.learn(first, parsed.layout, parsed.chunk));
  CHECK(match(chunk_template, llamacpp("abc", "1736", "chatcmpl-BB")).value().content_bytes == 3);
  CHECK(match(chunk_template, llamacpp(R"(\"})", "7", "")).value().content_bytes == 2);
  CHECK_FALSE(match(chunk_template, llamacpp("abc", "07", "chatcmpl-B")));
  CHECK_FALSE(match(chunk_template, llamacpp("abc", "1736", R"(chatcmpl-\"B)")));
  CHECK_FALSE(match(chunk_template, llamacpp("", "1736", "chatcmpl-B")));
}

TEST_CASE("ChunkTemplate: what a match decodes to is the template's", "[openai][template]") {
  SECTION("a reasoning chunk's role") {
    ChunkTemplate chunk_template;
    REQUIRE(learn(
        chunk_template,
        R"({"id":"1","created":1,"model":"m","choices":[{"delta":{"role":"assistant","reasoning_content":"Hmm"}}]})"));
    const auto matched = match(
        chunk_template,
        R"({"id":"2","created":2,"model":"m","choices":[{"delta":{"role":"assistant","reasoning_content":"so"}}]})");
    REQUIRE(matched);
    CHECK(matched->kind == ChunkKind::reasoning);
    CHECK(matched->reasoning_bytes == 2);
    CHECK(matched->content_bytes == 0);
    CHECK(matched->has_role);
  }
  SECTION("a last content chunk's finish_reason") {
    ChunkTemplate chunk_template;
    REQUIRE(learn(chunk_template, vllm_chunk("Hello", "chatcmpl-7", R"("length")")));
    const auto matched = match(chunk_template, vllm_chunk("x", "chatcmpl-8", R"("length")"));
    REQUIRE(matched);
    CHECK(matched->kind == ChunkKind::content);
    CHECK(matched->content_bytes == 1);
    CHECK(matched->finish_reason == "length");
    CHECK_FALSE(match(chunk_template, vllm_chunk("x", "chatcmpl-8", R"("stop")")));
  }
  SECTION("chunks without text: a role chunk, a usage chunk") {
    const auto role = [](std::string_view id) {
      return R"({"id":")" + std::string(id) +
             R"(","created":5,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})";
    };
    const auto usage = [](std::string_view id, int prompt_tokens) {
      return R"({"id":")" + std::string(id) +
             R"(","created":5,"model":"m","choices":[],"usage":{"prompt_tokens":)" +
             std::to_string(prompt_tokens) + R"(,"completion_tokens":8,"total_tokens":24}})";
    };
    ChunkTemplate role_template;
    REQUIRE(learn(role_template, role("a")));
    const auto role_chunk = match(role_template, role("bb"));
    REQUIRE(role_chunk);
    CHECK(role_chunk->kind == ChunkKind::role_only);
    CHECK(role_chunk->has_role);
    CHECK(role_chunk->content_bytes == 0);
    ChunkTemplate usage_template;
    REQUIRE(learn(usage_template, usage("a", 16)));
    const auto usage_chunk = match(usage_template, usage("b", 16));
    REQUIRE(usage_chunk);
    CHECK(usage_chunk->kind == ChunkKind::usage_only);
    CHECK(usage_chunk->usage.value().prompt_tokens == 16);
    CHECK(usage_chunk->usage.value().completion_tokens == 8);
    CHECK_FALSE(match(usage_template, usage("b", 17)));  // a count is read, not a hole
    CHECK_FALSE(match(usage_template, usage("b", 16) + " "));
  }
}

TEST_CASE("ChunkTemplate: a chunk that cannot be a template is refused", "[openai][template]") {
  ChunkTemplate chunk_template;
  const std::string other = vllm_chunk("Hi", "chatcmpl-8");
  Learned parsed = learned(other);
  SECTION("a text not sized as the parser sized it") {
    parsed.chunk.content_bytes = 3;
    CHECK_FALSE(chunk_template.learn(other, parsed.layout, parsed.chunk));
  }
  SECTION("a text quote that is not one") {
    parsed.layout.text_quote = *parsed.layout.text_quote + 1;
    CHECK_FALSE(chunk_template.learn(other, parsed.layout, parsed.chunk));
  }
  SECTION("a chunk with texts but no one text string") {
    parsed.layout.text_quote.reset();
    CHECK_FALSE(chunk_template.learn(other, parsed.layout, parsed.chunk));
  }
  SECTION("an error") {
    parsed.chunk.kind = ChunkKind::error;
    CHECK_FALSE(chunk_template.learn(other, parsed.layout, parsed.chunk));
  }
  SECTION("a text the parser must read") {
    const std::string escaped = vllm_chunk(R"(\u00e9)", "chatcmpl-8");
    const Learned escaped_parsed = learned(escaped);
    CHECK_FALSE(chunk_template.learn(escaped, escaped_parsed.layout, escaped_parsed.chunk));
  }
  SECTION("JSON around the text longer than a template keeps") {
    const std::string long_model = R"({"object":")" +
                                   std::string(ChunkTemplate::kMaxFrameBytes, 'o') +
                                   R"(","choices":[{"delta":{"content":"Hi"}}]})";
    const Learned long_parsed = learned(long_model, {});
    CHECK_FALSE(chunk_template.learn(long_model, long_parsed.layout, long_parsed.chunk));
  }
  CHECK_FALSE(match(chunk_template, other));
}

TEST_CASE("ChunkTemplate: recognise() finds where a matching chunk ends, as match() would",
          "[openai][template]") {
  ChunkTemplate chunk_template;
  DecodedChunk chunk;
  CHECK(chunk_template.recognise(vllm_chunk("x"), chunk) == 0);  // nothing learned yet
  REQUIRE(learn(chunk_template, vllm_chunk("Hello")));
  for (const std::string_view text : {"a", R"( wor\"ld\n)", R"(\\)", "caf\xc3\xa9"}) {
    INFO(text);
    const std::string json = vllm_chunk(text);
    // Whatever follows the chunk in the stream: the template says where it ends.
    for (const std::string& after :
         std::vector<std::string>{"", "\n\n", "\n\ndata: " + json, "}]}"}) {
      chunk = DecodedChunk{};
      REQUIRE(chunk_template.recognise(json + after, chunk) == json.size());
      CHECK(same(chunk, match(chunk_template, json).value()));
    }
  }
  SECTION("a chunk match() would refuse is not recognised") {
    for (const std::string& json :
         {vllm_chunk(""), vllm_chunk(R"(\u00e9)"), vllm_chunk("a\nb"), vllm_chunk("\xff"),
          vllm_chunk("x", "chatcmpl-7", R"("stop")")}) {
      INFO(json);
      CHECK(chunk_template.recognise(json + "\n\n", chunk) == 0);
      CHECK_FALSE(match(chunk_template, json));
    }
  }
  SECTION("nor are other values in its holes: match() finds them, and makes them the template's") {
    const std::string next_response = vllm_chunk("x", "chatcmpl-8");
    CHECK(chunk_template.recognise(next_response, chunk) == 0);
    CHECK(match(chunk_template, next_response));
    CHECK(chunk_template.recognise(next_response, chunk) == next_response.size());
  }
  SECTION("nor is a chunk that the bytes end inside of") {
    const std::string json = vllm_chunk("abc");
    for (std::size_t size = 0; size < json.size(); ++size) {
      CHECK(chunk_template.recognise(json.substr(0, size), chunk) == 0);
    }
  }
  SECTION("a text that its quote does not end is not one") {
    // The first quote not escaped ends the text: here the rest is not the template's.
    CHECK(chunk_template.recognise(vllm_chunk(R"(a"b)"), chunk) == 0);
    CHECK(chunk_template.recognise(vllm_chunk(R"(a\)"), chunk) == 0);
  }
  SECTION("a template without text recognises its own bytes") {
    ChunkTemplate role_template;
    const std::string role = R"({"id":"c","choices":[{"delta":{"role":"assistant"}}]})";
    const Learned parsed = learned(role, {"id"});
    REQUIRE(role_template.learn(role, parsed.layout, parsed.chunk));
    CHECK_FALSE(role_template.has_text());
    CHECK(role_template.recognise(role + "\n\n", chunk) == role.size());
    CHECK(chunk.has_role);
    CHECK(role_template.recognise(role.substr(0, role.size() - 1), chunk) == 0);
  }
}

TEST_CASE("ChunkTemplate: takes another template's values of the same leading fields",
          "[openai][template]") {
  ChunkTemplate content;
  REQUIRE(learn(content, vllm_chunk("Hi")));
  ChunkTemplate finish;
  REQUIRE(learn(finish, vllm_chunk("x", "chatcmpl-7", R"("stop")")));
  // The finish chunk of the next response matches with its new id, which becomes its template's.
  REQUIRE(match(finish, vllm_chunk("x", "chatcmpl-8", R"("stop")")));
  DecodedChunk chunk;
  const std::string next_content = vllm_chunk("Hi", "chatcmpl-8");
  CHECK(content.recognise(next_content, chunk) == 0);
  content.take_hole_values(finish);
  CHECK(content.recognise(next_content, chunk) == next_content.size());
  CHECK(content.frame() == vllm_chunk("", "chatcmpl-8"));
  CHECK(content.adoptions() == 0);
  CHECK(finish.adoptions() == 1);

  SECTION("not a value of another size") {
    REQUIRE(match(finish, vllm_chunk("x", "chatcmpl-10", R"("stop")")));
    content.take_hole_values(finish);
    CHECK(content.frame() == vllm_chunk("", "chatcmpl-8"));
  }
  SECTION("nor values after bytes that differ") {
    // Another object name: the id before it is taken, created and model after it are not.
    std::string other_object = vllm_chunk("Hi", "chatcmpl-5");
    other_object.replace(other_object.find("chat.completion.chunk"), 4, "text");
    ChunkTemplate other;
    REQUIRE(learn(other, other_object));
    std::string other_next = other_object;
    other_next.replace(other_next.find("1733"), 4, "1999");
    other_next.replace(other_next.find("chatcmpl-5"), 10, "chatcmpl-6");
    REQUIRE(match(other, other_next));
    content.take_hole_values(other);
    CHECK(content.frame() == vllm_chunk("", "chatcmpl-6"));  // created still 1733
  }
}

TEST_CASE("ChunkTemplate: JSON with a line break is no template", "[openai][template]") {
  // Data of two lines (`data: {"id":"c",` then `data: "choices":...`) is one JSON document; a
  // template of it would recognise what SseParser reads as two lines.
  for (const std::string_view line_break : {"\n", "\r", "\r\n"}) {
    ChunkTemplate chunk_template;
    const std::string json =
        R"({"id":"c",)" + std::string(line_break) + R"("choices":[{"delta":{"content":"x"}}]})";
    const Learned parsed = learned(json, {"id"});
    REQUIRE(parsed.chunk.kind == ChunkKind::content);
    CHECK_FALSE(chunk_template.learn(json, parsed.layout, parsed.chunk));
  }
}

TEST_CASE("ChunkTemplateSet: the recogniser is the last matched template, when it has a text",
          "[openai][template]") {
  ChunkTemplateSet templates;
  CHECK(templates.recogniser() == nullptr);
  const std::string role = R"({"id":"c","choices":[{"delta":{"role":"assistant"}}]})";
  const std::string content = R"({"id":"c","choices":[{"delta":{"content":"x"}}]})";
  for (const std::string& json : {content, role}) {
    const Learned parsed = learned(json, {"id"});
    templates.learn(json, parsed.layout, parsed.chunk);
  }
  CHECK(templates.recogniser() == nullptr);  // the role chunk's, which has no text
  DecodedChunk chunk;
  REQUIRE(templates.match(content, chunk));
  const ChunkTemplate* recogniser = templates.recogniser();
  REQUIRE(recogniser != nullptr);
  CHECK(recogniser->recognise(content, chunk) == content.size());

  SECTION("none while the set rests") {
    for (std::size_t miss = 0; miss < ChunkTemplateSet::kMissesToRest; ++miss) {
      REQUIRE_FALSE(templates.match(R"({"other":)" + std::to_string(miss) + "}", chunk));
    }
    CHECK(templates.recogniser() == nullptr);
  }
}

TEST_CASE("ChunkTemplateSet: a template per shape of chunk, the least recently used replaced",
          "[openai][template]") {
  ChunkTemplateSet templates;
  std::vector<std::string> shapes;
  for (std::size_t i = 0; i <= ChunkTemplateSet::kCapacity; ++i) {
    shapes.push_back(R"({"id":"a","choices":[{"index":)" + std::to_string(i) +
                     R"(,"delta":{"content":"x"}}]})");
  }
  const auto offer = [&](std::size_t shape) {
    const Learned parsed = learned(shapes[shape], {"id"});
    templates.learn(shapes[shape], parsed.layout, parsed.chunk);
  };
  const auto matches = [&](std::size_t shape) {
    DecodedChunk chunk;
    std::string json = shapes[shape];
    json.replace(json.find(R"("id":"a")"), 8, R"("id":"b")");
    return templates.match(json, chunk);
  };
  for (std::size_t i = 0; i < ChunkTemplateSet::kCapacity; ++i) offer(i);
  for (std::size_t i = 0; i < ChunkTemplateSet::kCapacity; ++i) CHECK(matches(i));
  CHECK_FALSE(matches(ChunkTemplateSet::kCapacity));
  CHECK(matches(0));  // the least recently used is now 1
  offer(ChunkTemplateSet::kCapacity);
  CHECK(matches(ChunkTemplateSet::kCapacity));
  CHECK_FALSE(matches(1));
  for (const std::size_t kept : {0, 2, 3, 4, 5}) CHECK(matches(kept));
}

TEST_CASE("ChunkTemplateSet: a new response's ids go to every template once one chunk has them",
          "[openai][template]") {
  ChunkTemplateSet templates;
  const std::vector<std::string> response = {
      R"({"id":"a","created":1,"choices":[{"delta":{"role":"assistant"}}]})",
      R"({"id":"a","created":1,"choices":[{"delta":{"content":"x"}}]})",
      R"({"id":"a","created":1,"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]})",
      R"({"id":"a","created":1,"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})"};
  for (const std::string& json : response) {
    const Learned parsed = learned(json, {"id", "created"});
    templates.learn(json, parsed.layout, parsed.chunk);
  }
  DecodedChunk chunk;
  for (const std::string& json : response) REQUIRE(templates.match(json, chunk));
  CHECK(templates.adoptions() == 0);
  for (const std::string_view id : {R"("id":"b")", R"("id":"c")"}) {
    for (std::string json : response) {
      json.replace(json.find(R"("id":"a")"), 8, id);
      REQUIRE(templates.match(json, chunk));
    }
  }
  CHECK(templates.adoptions() == 2);  // a response's first chunk: the others then match as they are
}

TEST_CASE("ChunkTemplateSet: chunks that never match rest the set for a while",
          "[openai][template]") {
  ChunkTemplateSet templates;
  const auto chunk = [](std::size_t index, std::string_view id) {
    return R"({"id":")" + std::string(id) + R"(","choices":[{"index":)" + std::to_string(index) +
           R"(,"delta":{"content":"x"}}]})";
  };
  const auto offer = [&](std::size_t index) {
    const std::string json = chunk(index, "a");
    const Learned parsed = learned(json, {"id"});
    templates.learn(json, parsed.layout, parsed.chunk);
  };
  const auto matches = [&](std::size_t index) {
    DecodedChunk decoded;
    return templates.match(chunk(index, "b"), decoded);
  };
  offer(0);
  for (std::size_t miss = 1; miss < ChunkTemplateSet::kMissesToRest; ++miss) {
    CHECK_FALSE(matches(1000 + miss));
  }
  CHECK(matches(0));  // a match ends the run of misses
  for (std::size_t miss = 1; miss <= ChunkTemplateSet::kMissesToRest; ++miss) {
    CHECK_FALSE(matches(1000 + miss));
  }
  // Resting: nothing matches, nothing is learned.
  offer(1);
  for (std::size_t passed = 0; passed < ChunkTemplateSet::kRestChunks; ++passed) {
    REQUIRE_FALSE(matches(0));
  }
  CHECK(matches(0));
  CHECK_FALSE(matches(1));
}

TEST_CASE("ChunkDecoder: a template-decoded event's data is kept only when asked for",
          "[openai][template]") {
  ChunkDecoder decoder(ApiKind::chat_completions);
  const std::string first = vllm_chunk("Hello");
  const std::string second = vllm_chunk("world!");
  for (const auto kept : {ChunkDecoder::DataKept::no, ChunkDecoder::DataKept::yes}) {
    decoder.queue(first, "message", kept);
    decoder.queue(second, "message", kept);
    const auto queued = decoder.decode_queued();
    REQUIRE(queued.size() == 2);
    CHECK(queued[1].chunk.content_bytes == 6);
    CHECK(queued[0].data == first);  // parsed the first time; a template decoded it the second
    CHECK(queued[1].data == (kept == ChunkDecoder::DataKept::yes ? second : ""));
  }
  CHECK(decoder.template_matches() == 3);
}

/// How many chunks a decoder's templates decoded, decoding them one by one and as one read.
struct Matches {
  std::uint64_t one_by_one = 0;
  std::uint64_t queued = 0;
  std::uint64_t recognised = 0;  // of those queued where they lie in a stream
};

/// Decodes `chunks` in order as one read's events, each as it lies in an event stream, as
/// StreamRecorder does: a chunk the decoder recognises where it lies (ChunkDecoder::recognise())
/// is taken at once, after the chunks queued before it; the others are queued.
std::vector<DecodedChunk> decode_as_in_stream(ChunkDecoder& decoder,
                                              const std::vector<std::string>& chunks) {
  std::vector<DecodedChunk> decoded;
  const auto take_queued = [&] {
    for (const QueuedChunk& queued : decoder.decode_queued()) decoded.push_back(queued.chunk);
  };
  for (const std::string& chunk : chunks) {
    // SseParser takes the event as recognised when the blank line follows what was measured.
    const std::size_t measured = decoder.recognise(chunk + "\n\n");
    if (measured > 0 && measured == chunk.size()) {
      take_queued();
      decoded.push_back(decoder.take_recognised());
    } else {
      decoder.queue(chunk);
    }
  }
  take_queued();
  REQUIRE(decoded.size() == chunks.size());
  return decoded;
}

/// Decodes `chunks` in order with one decoder, each alone, as one read's events, and as they lie
/// in a stream, and checks every result against a fresh decoder's.
Matches check_against_fresh(ApiKind api, const std::vector<std::string>& chunks) {
  ChunkDecoder one_by_one(api);
  ChunkDecoder queued(api);
  for (const std::string& chunk : chunks) queued.queue(chunk);
  const auto results = queued.decode_queued();
  REQUIRE(results.size() == chunks.size());
  std::vector<DecodedChunk> together;
  for (const QueuedChunk& result : results) together.push_back(result.chunk);
  ChunkDecoder in_stream(api);
  const std::vector<DecodedChunk> as_in_stream = decode_as_in_stream(in_stream, chunks);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    INFO("chunk " << i << ": " << chunks[i]);
    ChunkDecoder fresh(api);
    const DecodedChunk expected = fresh.decode(chunks[i]);
    CHECK(fresh.template_matches() == 0);
    CHECK(same(one_by_one.decode(chunks[i]), expected));
    CHECK(same(together[i], expected));
    CHECK(same(as_in_stream[i], expected));
  }
  CHECK(in_stream.template_matches() == queued.template_matches());
  return {.one_by_one = one_by_one.template_matches(),
          .queued = queued.template_matches(),
          .recognised = in_stream.template_recognitions()};
}

/// The chunks of a captured stream, as the next response would send them: each id and created
/// made another.
std::vector<std::string> next_response(std::vector<std::string> chunks) {
  for (std::string& chunk : chunks) {
    for (const std::string_view key : {R"("id":")", R"("created":)"}) {
      if (const std::size_t at = chunk.find(key); at != std::string::npos) {
        chunk.insert(at + key.size(), "9");
      }
    }
  }
  return chunks;
}

TEST_CASE("ChunkDecoder: templates decode a captured stream's chunks as the parser does",
          "[openai][template]") {
  const struct {
    const char* file;
    ApiKind api;
    std::uint64_t matches;      // of each run of content or reasoning chunks, all but the first
    std::uint64_t json_chunks;  // all of them match when the next response sends them again
  } captures[] = {
      {"vllm_chat_stream.sse", ApiKind::chat_completions, 30, 34},
      {"vllm_completions_stream.sse", ApiKind::completions, 14, 17},
      {"llamacpp_chat_stream.sse", ApiKind::chat_completions, 11, 14},
      {"vllm_reasoning_stream.sse", ApiKind::chat_completions, 14 + 7, 26},
      {"vllm_reasoning_field_stream.sse", ApiKind::chat_completions, 3 + 1, 9},
  };
  for (const auto& capture : captures) {
    INFO(capture.file);
    std::vector<std::string> chunks;
    for (const sse::SseEvent& event : test::parse_whole(test::read_captured_stream(capture.file))) {
      chunks.push_back(event.data);
    }
    const Matches first = check_against_fresh(capture.api, chunks);
    CHECK(first.one_by_one == capture.matches);
    CHECK(first.queued == capture.matches);
    CHECK(first.recognised == capture.matches);  // each a run's next chunk, as it lies

    std::vector<std::string> two_responses = chunks;
    for (std::string& chunk : next_response(chunks)) two_responses.push_back(std::move(chunk));
    const Matches both = check_against_fresh(capture.api, two_responses);
    CHECK(both.one_by_one - first.one_by_one == capture.json_chunks);
    // The same in the next response; its chunks of other shapes match with their new ids.
    CHECK(both.recognised - first.recognised == capture.matches);
  }
}

TEST_CASE("ChunkDecoder: templates decode any chunk as the parser does", "[openai][template]") {
  std::mt19937_64 random(1206);
  const std::vector<std::string> frames[] = {
      {R"("choices":[{"index":0,"delta":{"content":")", R"("},"finish_reason":null}]})"},
      {R"("choices":[{"delta":{"reasoning":")", R"("}}]})"},
      {R"("choices":[{"delta":{"role":"assistant","content":")", R"("}}],"x":1})"},
      {R"("choices":[{"delta":{"content":")", R"("},"finish_reason":"stop"}]})"},
      {R"("choices":[{"delta":{"content":")", R"("}}],"usage":{"prompt_tokens":1}})"},
      {R"("choices":[{"delta":{"content":"a","content":")", R"("}}]})"},
      {R"("choices":[{"text":")", R"("}]} trailing)"},
      {R"("error":{"message":")", R"("}})"},
  };
  // Ids and created values a template varies in (most of them), and others it must leave as they
  // are and to the parser.
  const std::vector<std::string> ids[] = {
      {R"("c")", R"("chatcmpl-1")", R"("")"},
      {R"("a\"b")", R"("\u0041")", "\"caf\xc3\xa9\"", "null", "7"}};
  const std::vector<std::string> created[] = {{"1", "17", "0"},
                                              {"01", "-1", "1.5", "1e3", R"("7")"}};
  const auto pick = [&](const std::vector<std::string>(&values)[2]) {
    const std::vector<std::string>& some = values[random() % 4 == 0 ? 1 : 0];
    return some[random() % some.size()];
  };
  std::uint64_t matches = 0;
  for (const ApiKind api : {ApiKind::chat_completions, ApiKind::completions}) {
    for (int round = 0; round < 300; ++round) {
      // Two shapes a round, so that chunks meet the templates of the ones before.
      const std::size_t shapes[] = {random() % std::size(frames), random() % std::size(frames)};
      std::vector<std::string> chunks;
      for (int i = 0; i < 12; ++i) {
        const std::vector<std::string>& frame = frames[shapes[random() % 2]];
        std::string chunk = R"({"id":)" + pick(ids) + R"(,"created":)" + pick(created) + "," +
                            frame[0] + random_body(random) + frame[1];
        if (random() % 8 == 0) chunk.resize(random() % chunk.size());
        chunks.push_back(std::move(chunk));
      }
      const Matches round_matches = check_against_fresh(api, chunks);
      matches += round_matches.one_by_one + round_matches.queued;
    }
  }
  CHECK(matches > 100);  // the templates are not all refused (239 with this seed)
}

}  // namespace
}  // namespace llmpace::openai
