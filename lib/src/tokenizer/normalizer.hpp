// Normalizer: the normalizer of a tokenizer.json as Unicode normalization forms applied in order
// (null, NFC, NFD, NFKC, NFKD, or a Sequence of them), through ICU. Text already in the form is
// passed through without a copy. Malformed UTF-8 is left as ICU leaves it (unchanged bytes).
//
// Thread affinity: immutable once built; apply() is safe from any number of threads (ICU's
// normalizer instances are shared, immutable singletons).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmpace::tokenizer::detail {

class Normalizer {
 public:
  enum class Form { nfc, nfd, nfkc, nfkd };

  void add(Form form) { forms_.push_back(form); }
  [[nodiscard]] bool empty() const { return forms_.empty(); }

  /// `text` normalized: a view of `text` itself when no form changes it, else of `storage`.
  [[nodiscard]] std::string_view apply(std::string_view text, std::string& storage) const;

 private:
  std::vector<Form> forms_;
};

}  // namespace llmpace::tokenizer::detail
