#include "llmpace/workload/dataset_file.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "llmpace/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace llmpace;
using namespace llmpace::workload;

namespace {

std::string fixture(const std::string& name) {
  return std::string(LLMPACE_TEST_DATA_DIR) + "/datasets/" + name;
}

using llmpace::test::TempDir;

Dataset load(const std::string& path, DatasetOptions options = {}) {
  return load_dataset(path, options);
}

std::string load_error(const std::string& path, DatasetOptions options = {}) {
  try {
    (void)load_dataset(path, options);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no ConfigError)";
}

std::vector<std::string> prompts(const Dataset& dataset) {
  std::vector<std::string> result;
  for (const auto& row : dataset.rows) result.push_back(row.prompt);
  return result;
}

std::vector<std::size_t> lines(const Dataset& dataset) {
  std::vector<std::size_t> result;
  for (const auto& row : dataset.rows) result.push_back(row.line);
  return result;
}

using Strings = std::vector<std::string>;
using Lines = std::vector<std::size_t>;

}  // namespace

// ---- formats and line numbers ----

TEST_CASE("a JSONL file with a broken line keeps the other rows with their lines") {
  const auto path = fixture("broken.jsonl");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::jsonl);
  CHECK(dataset.prompt_column == "prompt");
  CHECK(prompts(dataset) == Strings{"Hello there", "Second row", "Fourth row"});
  CHECK(lines(dataset) == Lines{1, 2, 5});
  CHECK(dataset.rows[0].output_tokens == 16);
  CHECK(dataset.rows[1].output_tokens == 8);  // from max_tokens
  CHECK_FALSE(dataset.rows[2].output_tokens);
  CHECK_FALSE(dataset.rows[0].prompt_tokens);
  CHECK(dataset.rows[0].messages.is_null());
  CHECK(dataset.rows_read == 4);  // the blank line is no row
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path +
            ":4: invalid JSON at column 40: syntax error while parsing object - unexpected end "
            "of input; expected '}'");
}

TEST_CASE("a pretty-printed JSON array gives each element the line it starts on") {
  const auto path = fixture("array.json");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::json_array);
  CHECK(prompts(dataset) ==
        Strings{"First", "Second, with ] and \"quotes\\\" and { inside", "Last"});
  CHECK(lines(dataset) == Lines{2, 6, 16});
  CHECK(dataset.rows[1].output_tokens == 20);
  CHECK(dataset.rows_read == 6);
  REQUIRE(dataset.skipped.size() == 3);
  CHECK(dataset.skipped[0] ==
        path + ":10: 'output_tokens' must be a whole number from 1 to 10000000, got 0");
  CHECK(dataset.skipped[1] ==
        path +
            ":11: invalid JSON at line 13, column 22: syntax error while parsing value - "
            "invalid literal; last read: '\"output_tokens\": o'");
  CHECK(dataset.skipped[2] ==
        path + ":15: no prompt: 'prompt' is missing or empty and no input length");
}

TEST_CASE("a CSV file with a BOM quoted fields and multi-line records") {
  const auto path = fixture("quoted.csv");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::csv);
  CHECK(dataset.prompt_column == "prompt");  // the BOM is not part of the first column name
  CHECK(prompts(dataset) == Strings{"Line one\r\nline two, still the prompt", "She said \"hi\"",
                                    "plain prompt", "A\nthree\nline prompt", "after multi-line"});
  CHECK(lines(dataset) == Lines{2, 4, 5, 6, 9});
  CHECK(dataset.rows[0].output_tokens == 12);
  CHECK(dataset.rows[4].output_tokens == 3);
  CHECK(dataset.rows_read == 7);
  REQUIRE(dataset.skipped.size() == 2);
  CHECK(dataset.skipped[0] ==
        path + ":10: 'output_tokens' must be a whole number from 1 to 10000000, got 'zero'");
  CHECK(dataset.skipped[1] == path + ":11: 3 fields, but the header has 2");
}

TEST_CASE("a CSV record with an unterminated quote is a bad row at its start line") {
  TempDir dir;
  const auto path = dir.write("d.csv", "prompt\nfine\n\"never\ncloses\n");
  const Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"fine"});
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path + ":3: unterminated quoted field (its quote opens on line 3)");
}

TEST_CASE("a JSON object holding one array is read as that array") {
  TempDir dir;
  const auto path = dir.write("wrapped.json",
                              "{\n  \"version\": 1,\n  \"data\": [\n    {\"prompt\": \"a\"},\n    "
                              "{\"prompt\": \"b\"}\n  ]\n}\n");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::json_array);
  CHECK(prompts(dataset) == Strings{"a", "b"});
  CHECK(lines(dataset) == Lines{4, 5});
}

TEST_CASE("a .json file holding JSON lines is read as JSON lines") {
  TempDir dir;
  const auto path = dir.write("lines.json", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::jsonl);
  CHECK(prompts(dataset) == Strings{"a", "b"});
}

TEST_CASE("an unknown extension is sniffed from the first character") {
  TempDir dir;
  Dataset dataset = load(dir.write("a.data", "  \n[{\"prompt\": \"array\"}]"));
  CHECK(dataset.format == DatasetFormat::json_array);
  CHECK(prompts(dataset) == Strings{"array"});
  CHECK(lines(dataset) == Lines{2});

  dataset = load(dir.write("b", "{\"prompt\": \"one\"}\n{\"prompt\": \"two\"}\n"));
  CHECK(dataset.format == DatasetFormat::jsonl);
  CHECK(prompts(dataset) == Strings{"one", "two"});

  dataset = load(dir.write("c.txt", "prompt,max_tokens\nhello,3\n"));
  CHECK(dataset.format == DatasetFormat::csv);
  CHECK(prompts(dataset) == Strings{"hello"});
  CHECK(dataset.rows[0].output_tokens == 3);
}

TEST_CASE("extensions decide the format whatever the content and in any case") {
  TempDir dir;
  // A CSV whose first field starts with a bracket is still CSV.
  Dataset dataset = load(dir.write("x.CSV", "prompt\n[not json]\n"));
  CHECK(dataset.format == DatasetFormat::csv);
  CHECK(prompts(dataset) == Strings{"[not json]"});
  dataset = load(dir.write("x.NDJSON", "{\"prompt\": \"nd\"}\r\n"));
  CHECK(dataset.format == DatasetFormat::jsonl);
  CHECK(prompts(dataset) == Strings{"nd"});
}

TEST_CASE("a JSON array of strings gives one prompt per string") {
  TempDir dir;
  const Dataset dataset = load(dir.write("s.json", R"(["first", "", "third", 4])"));
  CHECK(prompts(dataset) == Strings{"first", "third"});
  REQUIRE(dataset.skipped.size() == 2);
  CHECK(dataset.skipped[0].ends_with(":1: empty prompt"));
  CHECK(dataset.skipped[1].ends_with(":1: not a JSON object but number"));
}

TEST_CASE("JSON array elements that are empty or malformed are bad rows") {
  TempDir dir;
  const auto path = dir.write("e.json", "[\n{\"prompt\": \"a\"},\n,\n{\"prompt\": tru},\n[1]\n]");
  const Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"a"});
  CHECK(dataset.rows_read == 4);
  REQUIRE(dataset.skipped.size() == 3);
  CHECK(dataset.skipped[0] == path + ":3: empty array element");
  CHECK(dataset.skipped[1] == path +
                                  ":4: invalid JSON at column 15: syntax error while parsing "
                                  "value - invalid literal; last read: '\"prompt\": tru}'");
  CHECK(dataset.skipped[2] == path + ":5: not a JSON object but array");
}

TEST_CASE("a file that is not a JSON array is a config error") {
  TempDir dir;
  auto path = dir.write("n.json", "\n\"just a string\"\n");
  CHECK(load_error(path) ==
        path +
            ":2: not a JSON array, an object holding one, or JSON lines (starts with "
            "'\"just')");
  path = dir.write("open.json", "[\n{\"prompt\": \"a\"},\n{\"prompt\": \"b\n");
  CHECK(load_error(path) ==
        path + ":3: the JSON array is not closed: the file ends inside the element starting here");
  path = dir.write("open2.json", "[\n{\"prompt\": \"a\"},\n");
  CHECK(load_error(path) == path + ":1: the JSON array is not closed (no ']')");
  path = dir.write("trail.json", "[{\"prompt\": \"a\"}]\n\n]");
  CHECK(load_error(path) == path + ":3: unexpected text after the JSON array");
}

// ---- prompt columns ----

TEST_CASE("the prompt column is detected in the documented order") {
  TempDir dir;
  CHECK(
      load(dir.write("a.jsonl", R"({"question": "q", "text": "t", "input": "i"})")).prompt_column ==
      "text");
  CHECK(load(dir.write("b.jsonl", R"({"instruction": "do", "input": "this"})")).prompt_column ==
        "input");
  CHECK(load(dir.write("c.jsonl", R"({"instruction": "do", "output": "x"})")).prompt_column ==
        "instruction");
  // Empty or null values do not count as present (Alpaca rows often have an empty "input").
  const Dataset alpaca =
      load(dir.write("d.jsonl", R"({"instruction": "do", "input": "", "prompt": null})"));
  CHECK(alpaca.prompt_column == "instruction");
  CHECK(prompts(alpaca) == Strings{"do"});
}

TEST_CASE("the detected column applies to every row") {
  TempDir dir;
  const auto path = dir.write("a.jsonl", "\n{\"text\": \"one\"}\n{\"prompt\": \"two\"}\n");
  const Dataset dataset = load(path);
  CHECK(dataset.prompt_column == "text");
  CHECK(prompts(dataset) == Strings{"one"});
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path + ":3: no prompt: 'text' is missing or empty and no input length");
}

TEST_CASE("detection waits for the first usable row") {
  TempDir dir;
  const Dataset dataset = load(dir.write("a.jsonl",
                                         "{\"text\": \"bad\", \"output_tokens\": 0}\n"
                                         "{\"prompt\": \"p\", \"text\": \"t\"}\n"
                                         "{\"text\": \"only text\"}\n"));
  CHECK(dataset.prompt_column == "prompt");
  CHECK(prompts(dataset) == Strings{"p"});
  CHECK(dataset.skipped.size() == 2);
}

TEST_CASE("column names fall back to a case-insensitive match") {
  TempDir dir;
  Dataset dataset = load(dir.write("a.jsonl", R"({"Prompt": "upper", "MAX_TOKENS": 7})"));
  CHECK(dataset.prompt_column == "Prompt");
  CHECK(prompts(dataset) == Strings{"upper"});
  CHECK(dataset.rows[0].output_tokens == 7);
  // An exact match wins over a case-insensitive one.
  dataset = load(dir.write("b.jsonl", R"({"PROMPT": "loose", "prompt": "exact"})"));
  CHECK(prompts(dataset) == Strings{"exact"});
  DatasetOptions options;
  options.column = "body";
  dataset = load(dir.write("c.csv", "Body,x\nhello,1\n"), options);
  CHECK(prompts(dataset) == Strings{"hello"});
}

TEST_CASE("the data column option overrides detection") {
  TempDir dir;
  DatasetOptions options;
  options.column = "story";
  const auto path =
      dir.write("a.jsonl", "{\"prompt\": \"p1\", \"story\": \"s1\"}\n{\"prompt\": \"p2\"}\n");
  const Dataset dataset = load(path, options);
  CHECK(dataset.prompt_column == "story");
  CHECK(prompts(dataset) == Strings{"s1"});
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path + ":2: no prompt: 'story' is missing or empty and no input length");
}

TEST_CASE("a --data-column absent from every row is a config error naming the columns") {
  TempDir dir;
  DatasetOptions options;
  options.column = "body";
  auto path = dir.write("a.jsonl", "{\"prompt\": \"p\", \"id\": 1}\n{\"text\": \"t\"}\nnot json\n");
  CHECK(load_error(path, options) ==
        path + ": --data-column 'body' is not a column of any row (columns: id, prompt, text)");
  path = dir.write("b.csv", "Timestamp,Model,Request tokens\n1,m,5\n");
  CHECK(load_error(path, options) ==
        path +
            ": --data-column 'body' is not a column of any row (columns: Timestamp, Model, "
            "Request tokens)");
}

TEST_CASE("chat messages keep the conversation up to the last user turn") {
  const auto path = fixture("messages.jsonl");
  const Dataset dataset = load(path);
  CHECK(dataset.prompt_column == "messages");
  REQUIRE(dataset.rows.size() == 2);
  const auto& first = dataset.rows[0];
  CHECK(first.prompt == "What is 2+2?");
  CHECK(first.messages.size() == 2);
  CHECK(first.messages[0]["role"] == "system");
  CHECK(first.output_tokens == 5);
  CHECK_FALSE(first.reference_output);
  const auto& second = dataset.rows[1];
  CHECK(second.prompt == "Part one\npart two");
  REQUIRE(second.messages.size() == 3);  // the trailing assistant reply is dropped
  CHECK(second.messages[2]["content"].is_array());
  CHECK(second.reference_output == "The reply");
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path + ":3: no user message in 'messages'");
}

TEST_CASE("malformed chat messages are bad rows") {
  TempDir dir;
  const auto path = dir.write(
      "m.jsonl",
      "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"content\": \"no role\"}]}\n"
      "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}\n"
      "{\"messages\": [{\"role\": \"user\", \"content\": \"\"}]}\n"
      "{\"messages\": []}\n"
      "{\"messages\": [1, 2]}\n"
      "{\"messages\": {\"role\": \"user\"}}\n");
  const auto error = load_error(path);
  CHECK(error == path + ": no usable rows (6 read, first problem: " + path +
                     ":1: 'messages'[1] has no role)");
  DatasetOptions options;
  options.column = "messages";
  const std::string lines_text =
      "{\"prompt\": \"ok\", \"messages\": [{\"role\": \"user\", \"content\": \"fine\"}]}\n";
  const auto path2 =
      dir.write("m2.jsonl", lines_text +
                                "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}\n"
                                "{\"messages\": [{\"role\": \"user\", \"content\": \"\"}]}\n"
                                "{\"messages\": []}\n"
                                "{\"messages\": [1, 2]}\n"
                                "{\"messages\": {\"role\": \"user\"}}\n");
  const Dataset dataset = load(path2, options);
  CHECK(prompts(dataset) == Strings{"fine"});
  REQUIRE(dataset.skipped.size() == 5);
  CHECK(dataset.skipped[0] == path2 + ":2: 'messages'[0] has no text content");
  CHECK(dataset.skipped[1] == path2 + ":3: the last user message in 'messages' is empty");
  CHECK(dataset.skipped[2] == path2 + ":4: no prompt: 'messages' is an empty list");
  CHECK(dataset.skipped[3] ==
        path2 +
            ":5: 'messages' is a list of neither chat messages {role, content} nor conversation "
            "turns {from, value}");
  CHECK(dataset.skipped[4] == path2 + ":6: 'messages' is not text but object");
}

TEST_CASE("ShareGPT conversations give the first human turn and its reply") {
  const auto path = fixture("sharegpt.json");
  const Dataset dataset = load(path);
  CHECK(dataset.format == DatasetFormat::json_array);
  CHECK(dataset.prompt_column == "conversations");
  CHECK(prompts(dataset) ==
        Strings{"What is the capital of France?", "Name a prime.", "Unanswered question"});
  CHECK(lines(dataset) == Lines{2, 9, 25});
  CHECK(dataset.rows[0].reference_output == "Paris.");
  CHECK(dataset.rows[1].reference_output == "Seven.");
  CHECK_FALSE(dataset.rows[2].reference_output);
  CHECK(dataset.rows[0].messages.is_null());
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path + ":19: no human turn in 'conversations'");
}

TEST_CASE("ShareGPT speakers user and assistant count as human and gpt") {
  TempDir dir;
  const Dataset dataset = load(dir.write(
      "s.jsonl",
      R"({"conversations": [{"from": "User", "value": "hi"}, {"from": "assistant", "value": "yo"}]})"));
  CHECK(prompts(dataset) == Strings{"hi"});
  CHECK(dataset.rows[0].reference_output == "yo");
}

TEST_CASE("a prompt that is not text is a bad row") {
  TempDir dir;
  const auto path = dir.write("n.jsonl", "{\"prompt\": 42}\n{\"prompt\": \"ok\"}\n");
  const Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"ok"});
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path + ":1: 'prompt' is not text but number");
}

TEST_CASE("CSV prompts must be valid UTF-8") {
  TempDir dir;
  const auto path = dir.write("u.csv", "prompt\ncaf\xC3\xA9\nbad \xC3\x28 byte\n");
  const Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"caf\xC3\xA9"});
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path + ":3: 'prompt' is not valid UTF-8");
}

TEST_CASE("bad row reports are valid UTF-8 even when the file is not") {
  TempDir dir;
  const auto path = dir.write("u.jsonl",
                              "{\"prompt\": \"ok\"}\n"
                              "{\"prompt\": \"bad \xC3\x28\"}\n");
  const Dataset dataset = load(path);
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] == path +
                                  ":2: invalid JSON at column 18: syntax error while parsing "
                                  "value - invalid string: ill-formed UTF-8 byte; last read: "
                                  "'\"bad \xEF\xBF\xBD('");
  CHECK_NOTHROW(nlohmann::json(dataset.skipped[0]).dump());
  const auto csv = dir.write("u.csv", "prompt,max_tokens\nok,\xFF\nfine,3\n");
  const Dataset from_csv = load(csv);
  REQUIRE(from_csv.skipped.size() == 1);
  CHECK(from_csv.skipped[0] ==
        csv + ":2: 'max_tokens' must be a whole number from 1 to 10000000, got '\xEF\xBF\xBD'");
}

// ---- token counts ----

TEST_CASE("token count columns are read in their order of preference") {
  TempDir dir;
  const Dataset dataset =
      load(dir.write("t.jsonl",
                     "{\"prompt\": \"a\", \"output_len\": 3, \"max_tokens\": 9, \"input_len\": 4}\n"
                     "{\"prompt\": \"b\", \"output_length\": 5, \"input_tokens\": 6}\n"
                     "{\"prompt\": \"c\", \"output_tokens\": \"7\", \"prompt_tokens\": 8.0}\n"
                     "{\"prompt\": \"d\", \"max_tokens\": null, \"input_length\": \"\"}\n"));
  REQUIRE(dataset.rows.size() == 4);
  CHECK(dataset.rows[0].output_tokens == 3);
  CHECK(dataset.rows[0].prompt_tokens == 4);
  CHECK(dataset.rows[1].output_tokens == 5);
  CHECK(dataset.rows[1].prompt_tokens == 6);
  CHECK(dataset.rows[2].output_tokens == 7);
  CHECK(dataset.rows[2].prompt_tokens == 8);
  CHECK_FALSE(dataset.rows[3].output_tokens);  // null and empty count as absent
  CHECK_FALSE(dataset.rows[3].prompt_tokens);
}

TEST_CASE("token counts that are not positive whole numbers make the row bad") {
  TempDir dir;
  const auto path = dir.write("t.jsonl",
                              "{\"prompt\": \"a\", \"output_tokens\": 1.5}\n"
                              "{\"prompt\": \"b\", \"output_tokens\": -3}\n"
                              "{\"prompt\": \"c\", \"output_tokens\": \"many\"}\n"
                              "{\"prompt\": \"d\", \"input_length\": 0}\n"
                              "{\"prompt\": \"e\", \"max_tokens\": true}\n"
                              "{\"prompt\": \"f\", \"max_tokens\": 99999999999}\n"
                              "{\"prompt\": \"ok\", \"max_tokens\": 10000000}\n");
  const Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"ok"});
  const std::string rule = "must be a whole number from 1 to 10000000, got ";
  CHECK(dataset.skipped == Strings{path + ":1: 'output_tokens' " + rule + "1.5",
                                   path + ":2: 'output_tokens' " + rule + "-3",
                                   path + ":3: 'output_tokens' " + rule + "'many'",
                                   path + ":4: 'input_length' " + rule + "0",
                                   path + ":5: 'max_tokens' " + rule + "true",
                                   path + ":6: 'max_tokens' " + rule + "99999999999"});
}

TEST_CASE("a row with only an input length is a usable trace row") {
  TempDir dir;
  const auto path = dir.write("t.jsonl",
                              "{\"input_length\": 100, \"output_length\": 20}\n"
                              "{\"output_length\": 20}\n");
  const Dataset dataset = load(path);
  REQUIRE(dataset.rows.size() == 1);
  CHECK(dataset.rows[0].prompt.empty());
  CHECK(dataset.rows[0].prompt_tokens == 100);
  CHECK(dataset.rows[0].output_tokens == 20);
  CHECK(dataset.prompt_column.empty());
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path +
            ":2: no prompt: none of the columns prompt, text, question, input, instruction, "
            "messages, conversations and no input length");
}

// ---- timestamps ----

TEST_CASE("a Mooncake trace has millisecond timestamps and is sorted for replay") {
  const auto path = fixture("mooncake_trace.jsonl");
  DatasetOptions options;
  options.require_timestamps = true;
  const Dataset dataset = load(path, options);
  REQUIRE(dataset.rows.size() == 4);
  CHECK(lines(dataset) == Lines{1, 5, 3, 2});  // stable: lines 1 and 5 share a timestamp
  CHECK(dataset.rows[0].timestamp_s == Approx(0.0));
  CHECK(dataset.rows[1].timestamp_s == Approx(0.0));
  CHECK(dataset.rows[2].timestamp_s == Approx(1.518));
  CHECK(dataset.rows[3].timestamp_s == Approx(3.053));
  CHECK(dataset.rows[0].prompt_tokens == 6955);
  CHECK(dataset.rows[0].output_tokens == 52);
  CHECK(dataset.rows[0].prompt.empty());
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path + ":4: 'input_length' must be a whole number from 1 to 10000000, got 0");
}

TEST_CASE("without replay timestamps are relative but the file order stays") {
  const Dataset dataset = load(fixture("mooncake_trace.jsonl"));
  CHECK(lines(dataset) == Lines{1, 2, 3, 5});
  CHECK(dataset.rows[1].timestamp_s == Approx(3.053));
}

TEST_CASE("a BurstGPT CSV has second timestamps and its token columns") {
  const auto path = fixture("burstgpt.csv");
  DatasetOptions options;
  options.require_timestamps = true;
  const Dataset dataset = load(path, options);
  REQUIRE(dataset.rows.size() == 3);
  CHECK(dataset.prompt_column.empty());
  CHECK(lines(dataset) == Lines{2, 3, 4});
  CHECK(dataset.rows[0].timestamp_s == Approx(0.0));
  CHECK(dataset.rows[1].timestamp_s == Approx(40.0));
  CHECK(dataset.rows[2].timestamp_s == Approx(113.0));
  CHECK(dataset.rows[1].prompt_tokens == 1087);
  CHECK(dataset.rows[1].output_tokens == 230);
  REQUIRE(dataset.skipped.size() == 1);
  CHECK(dataset.skipped[0] ==
        path + ":5: 'Response tokens' must be a whole number from 1 to 10000000, got '0'");
}

TEST_CASE("timestamp units follow the column the trace or the option") {
  TempDir dir;
  const auto ms = dir.write("ms.jsonl",
                            "{\"prompt\": \"a\", \"timestamp_ms\": 1000.5}\n"
                            "{\"prompt\": \"b\", \"timestamp_ms\": 3000.5}\n");
  CHECK(load(ms).rows[1].timestamp_s == Approx(2.0));
  DatasetOptions seconds;
  seconds.time_unit = TimeUnit::seconds;
  CHECK(load(ms, seconds).rows[1].timestamp_s == Approx(2000.0));

  // Fractional timestamps with input_length: not a Mooncake trace, so seconds.
  const auto fractional = dir.write("f.jsonl",
                                    "{\"timestamp\": 1.5, \"input_length\": 5}\n"
                                    "{\"timestamp\": 4, \"input_length\": 5}\n");
  CHECK(load(fractional).rows[1].timestamp_s == Approx(2.5));
  // Integer timestamps without input_length: seconds.
  const auto plain = dir.write("p.jsonl",
                               "{\"prompt\": \"a\", \"time\": 10}\n"
                               "{\"prompt\": \"b\", \"time\": 12}\n");
  CHECK(load(plain).rows[1].timestamp_s == Approx(2.0));
  DatasetOptions milliseconds;
  milliseconds.time_unit = TimeUnit::milliseconds;
  CHECK(load(plain, milliseconds).rows[1].timestamp_s == Approx(0.002));
  // Epoch seconds keep their sub-second precision.
  const auto epoch = dir.write("e.csv", "prompt,arrival_time\na,1700000000.25\nb,1700000000.5\n");
  CHECK(load(epoch).rows[1].timestamp_s == Approx(0.25).margin(1e-9));
}

TEST_CASE("bad timestamps make bad rows and replay needs one on every row") {
  TempDir dir;
  const auto path = dir.write("t.jsonl",
                              "{\"prompt\": \"a\", \"timestamp\": 5}\n"
                              "{\"prompt\": \"b\", \"timestamp\": -1}\n"
                              "{\"prompt\": \"c\", \"timestamp\": \"soon\"}\n"
                              "{\"prompt\": \"d\"}\n"
                              "{\"prompt\": \"e\", \"timestamp\": \"7.5\"}\n");
  Dataset dataset = load(path);
  CHECK(prompts(dataset) == Strings{"a", "d", "e"});
  CHECK(dataset.rows[0].timestamp_s == Approx(0.0));
  CHECK_FALSE(dataset.rows[1].timestamp_s);
  CHECK(dataset.rows[2].timestamp_s == Approx(2.5));
  CHECK(dataset.skipped == Strings{path + ":2: 'timestamp' is negative, got -1",
                                   path + ":3: 'timestamp' is not a number, got 'soon'"});
  DatasetOptions replay;
  replay.require_timestamps = true;
  dataset = load(path, replay);
  CHECK(prompts(dataset) == Strings{"a", "e"});
  REQUIRE(dataset.skipped.size() == 3);
  CHECK(dataset.skipped[2] == path + ":4: no timestamp: 'timestamp' is missing or empty");

  const auto none = dir.write("none.jsonl", "{\"prompt\": \"a\"}\n");
  CHECK(load_error(none, replay) ==
        none + ": no usable rows (1 read, first problem: " + none +
            ":1: no timestamp: none of the columns timestamp, timestamp_s, timestamp_ms, time, "
            "arrival_time)");
}

// ---- whole-file errors ----

TEST_CASE("an empty file is an empty dataset") {
  const auto path = fixture("empty.jsonl");
  CHECK(load_error(path) == path + ": empty dataset");
  TempDir dir;
  auto other = dir.write("blank.json", " \n\n");
  CHECK(load_error(other) == other + ": empty dataset");
  other = dir.write("header.csv", "\xEF\xBB\xBFprompt,output_tokens\r\n");
  CHECK(load_error(other) == other + ": empty dataset");
  other = dir.write("empty.json", "[]");
  CHECK(load_error(other) == other + ": empty dataset");
}

TEST_CASE("a file with no usable row names the first problem") {
  TempDir dir;
  const auto path = dir.write("bad.jsonl", "{\"prompt\": \"\"}\nnot json\n");
  CHECK(load_error(path) ==
        path + ": no usable rows (2 read, first problem: " + path +
            ":1: no prompt: none of the columns prompt, text, question, input, instruction, "
            "messages, conversations and no input length)");
}

TEST_CASE("a missing or unreadable file is a config error") {
  TempDir dir;
  const auto missing = (dir.path() / "nope.jsonl").string();
  CHECK(load_error(missing) == "--data " + missing + ": cannot read: No such file or directory");
  CHECK(load_error(dir.path().string()) ==
        "--data " + dir.path().string() + ": cannot read: Is a directory");
}

// ---- samples and shuffling ----

namespace {
std::string numbered_rows(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "{\"prompt\": \"p" + std::to_string(i) + "\"}\n";
  return text;
}
}  // namespace

TEST_CASE("samples keeps the first rows and zero samples is a config error") {
  TempDir dir;
  const auto path = dir.write("n.jsonl", numbered_rows(5));
  DatasetOptions options;
  options.samples = 2;
  CHECK(prompts(load(path, options)) == Strings{"p0", "p1"});
  options.samples = 50;
  CHECK(load(path, options).rows.size() == 5);
  options.samples = 0;
  CHECK(load_error(path, options) == "--data-samples must be at least 1");
}

TEST_CASE("shuffling is deterministic per seed and the same on every platform") {
  TempDir dir;
  const auto path = dir.write("n.jsonl", numbered_rows(10));
  DatasetOptions options;
  options.shuffle = true;
  options.seed = 42;
  const Dataset a = load(path, options);
  const Dataset b = load(path, options);
  CHECK(prompts(a) == prompts(b));
  // Fisher-Yates over core/random.hpp (xoshiro256**, unbiased bounded draws): fixed for a fixed
  // seed on every platform (checked against an independent Python transcription).
  CHECK(prompts(a) == Strings{"p7", "p3", "p8", "p9", "p5", "p6", "p4", "p1", "p0", "p2"});
  options.seed = 43;
  CHECK(prompts(load(path, options)) != prompts(a));
  options.seed = 42;
  options.samples = 3;
  CHECK(prompts(load(path, options)) == Strings{"p7", "p3", "p8"});
  // The lines travel with the rows.
  CHECK(load(path, options).rows[1].line == 4);
}

TEST_CASE("replay never shuffles") {
  TempDir dir;
  const auto path = dir.write("t.jsonl",
                              "{\"prompt\": \"a\", \"timestamp\": 1}\n"
                              "{\"prompt\": \"b\", \"timestamp\": 2}\n"
                              "{\"prompt\": \"c\", \"timestamp\": 3}\n"
                              "{\"prompt\": \"d\", \"timestamp\": 4}\n");
  DatasetOptions options;
  options.shuffle = true;
  options.require_timestamps = true;
  options.samples = 3;
  CHECK(prompts(load(path, options)) == Strings{"a", "b", "c"});
}

// ---- paths ----

TEST_CASE("looks_like_dataset_path tells files from synthetic specs") {
  CHECK(looks_like_dataset_path("data/sharegpt.json"));
  CHECK(looks_like_dataset_path("missing-file.jsonl"));
  CHECK_FALSE(looks_like_dataset_path("prompt_tokens=128,output_tokens=64"));
  TempDir dir;
  const auto odd = dir.write("a=b.jsonl", "{\"prompt\": \"x\"}\n");
  CHECK(looks_like_dataset_path(odd));
  CHECK_FALSE(looks_like_dataset_path(dir.path().string() + "/x=1"));
  std::filesystem::create_directory(dir.path() / "d=1");
  CHECK_FALSE(looks_like_dataset_path((dir.path() / "d=1").string()));
}
