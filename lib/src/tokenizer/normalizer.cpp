// Unicode normalization through ICU's Normalizer2. See normalizer.hpp.
#include "normalizer.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace llmpace::tokenizer::detail {
namespace {

const icu::Normalizer2& instance(Normalizer::Form form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = nullptr;
  switch (form) {
    case Normalizer::Form::nfc:
      normalizer = icu::Normalizer2::getNFCInstance(status);
      break;
    case Normalizer::Form::nfd:
      normalizer = icu::Normalizer2::getNFDInstance(status);
      break;
    case Normalizer::Form::nfkc:
      normalizer = icu::Normalizer2::getNFKCInstance(status);
      break;
    case Normalizer::Form::nfkd:
      normalizer = icu::Normalizer2::getNFKDInstance(status);
      break;
  }
  if (U_FAILURE(status) || normalizer == nullptr) {
    throw std::runtime_error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
  }
  return *normalizer;
}

}  // namespace

std::string_view Normalizer::apply(std::string_view text, std::string& storage) const {
  if (forms_.empty()) return text;
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw std::length_error("text too long to normalize (2 GiB or more)");
  }
  std::string_view current = text;
  std::string scratch;
  for (const Form form : forms_) {
    const icu::Normalizer2& normalizer = instance(form);
    const icu::StringPiece piece(current.data(), static_cast<int32_t>(current.size()));
    UErrorCode status = U_ZERO_ERROR;
    if (normalizer.isNormalizedUTF8(piece, status) && U_SUCCESS(status)) continue;
    status = U_ZERO_ERROR;
    scratch.clear();
    icu::StringByteSink<std::string> sink(&scratch);
    normalizer.normalizeUTF8(0, piece, sink, nullptr, status);
    if (U_FAILURE(status)) {
      throw std::runtime_error(std::string("ICU normalization failed: ") + u_errorName(status));
    }
    storage.swap(scratch);
    current = storage;
  }
  return current;
}

}  // namespace llmpace::tokenizer::detail
