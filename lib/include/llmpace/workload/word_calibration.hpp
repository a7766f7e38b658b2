// WordCalibration: the words synthetic prompts are made of, and what they cost under one token
// counter, found with a bounded number of calls before any load is sent.
//
// Synthetic text is common English words separated by single spaces. Byte-level BPE and
// SentencePiece both split text at spaces before merging, so such a text costs the sum of its
// words, and each word kept here costs exactly one token after a space (the first word of a text,
// the lead, is checked at the start too). What the request form adds (BOS, a chat template) is
// measured once as `overhead_tokens`. Then a prompt of N tokens is N - overhead words, with no
// call per prompt. verify_prompt_lengths() checks that on real prompts.
//
// Calls: one for the whole list (plus one per word only if some word is not one token), one for
// the lead, two for the overhead. With an inexact counter (approx) nothing is called: every word
// counts one token and the overhead is 0.
//
// Pure (the counter may do I/O); built once on one thread, then read-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/workload/token_counter.hpp"

namespace llmpace::workload {

struct WordCalibration {
  std::vector<std::string> words;    // one token each after a space
  std::string lead;                  // one token at the start of a text too
  std::int64_t overhead_tokens = 0;  // tokens the request form adds around the text
  PromptForm form = PromptForm::completion;
  bool exact = false;      // counts are the tokenizer's, not an approximation
  std::string tokenizer;   // the counter's description
  std::int64_t calls = 0;  // tokenizer calls the calibration made
};

/// Throws ConfigError when fewer than 16 words are one token each (the tokenizer is not one
/// these prompts can be made for), RunError when the counter cannot count.
WordCalibration calibrate_words(TokenCounter& counter, PromptForm form);

}  // namespace llmpace::workload
