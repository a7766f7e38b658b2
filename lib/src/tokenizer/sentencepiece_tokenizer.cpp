// SentencePiece through libsentencepiece. See sentencepiece_tokenizer.hpp.
#include "sentencepiece_tokenizer.hpp"

#include <fmt/format.h>
#include <sentencepiece_processor.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "llmpace/core/error.hpp"

namespace llmpace::tokenizer::detail {
namespace {

/// Text every usable model encodes: letters, digits, punctuation, whitespace and non-ASCII.
constexpr std::string_view kEncodeProbe =
    "Hello world! The fast server streams 12345 tokens.\n\tÉté 東京 🙂";

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::string_view model, std::string file_name)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()),
      file_name_(std::move(file_name)) {
  sentencepiece::util::Status status;
  try {
    status = processor_->LoadFromSerializedProto(model);
  } catch (const std::exception& error) {
    // libsentencepiece's bundled Darts trie throws on some models that parse, e.g. a piece that
    // starts with a NUL byte ("failed to insert key: zero-length key"); found by fuzzing.
    throw ConfigError(fmt::format("not a usable SentencePiece model ({})", error.what()));
  }
  if (!status.ok()) {
    // "Internal: .../sentencepiece_processor.cc(232) [model_proto->ParseFromArray(...)]" says
    // only that the bytes are no model; other statuses say what is wrong with one.
    const std::string detail = status.message();
    if (detail.find("ParseFromArray") != std::string::npos) {
      throw ConfigError(std::string(kNotSentencePiece));
    }
    throw ConfigError(fmt::format("not a usable SentencePiece model ({})", status.ToString()));
  }
  // Some models load and then cannot encode at all: a normalizer that leaves characters the model
  // never consumes ("all normalized characters are not consumed"; found by fuzzing). Found here,
  // such a model is a ConfigError before any load is sent, not a failure in the middle of a run.
  std::vector<int> probe_pieces;
  status = processor_->Encode(kEncodeProbe, &probe_pieces);
  if (!status.ok()) {
    throw ConfigError(fmt::format("not a usable SentencePiece model (it cannot encode text: {})",
                                  status.ToString()));
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<TokenId> SentencePieceTokenizer::encode(std::string_view text,
                                                    bool add_special_tokens) const {
  std::vector<int> pieces;
  const sentencepiece::util::Status status = processor_->Encode(text, &pieces);
  if (!status.ok()) {
    throw ConfigError(fmt::format("{}: SentencePiece cannot encode the text ({})", file_name_,
                                  status.ToString()));
  }
  std::vector<TokenId> ids;
  ids.reserve(pieces.size() + 1);
  if (add_special_tokens && processor_->bos_id() >= 0) ids.push_back(processor_->bos_id());
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  return ids;
}

std::string SentencePieceTokenizer::decode(std::span<const TokenId> ids) const {
  std::vector<int> pieces;  // ids the model does not have are skipped, as HfTokenizer does
  pieces.reserve(ids.size());
  for (const TokenId id : ids) {
    if (id >= 0 && id < processor_->GetPieceSize()) pieces.push_back(id);
  }
  std::string text;
  const sentencepiece::util::Status status = processor_->Decode(pieces, &text);
  if (!status.ok()) throw std::runtime_error("SentencePiece decode: " + status.ToString());
  return text;
}

std::string SentencePieceTokenizer::description() const {
  return fmt::format("SentencePiece, {} tokens ({})", processor_->GetPieceSize(), file_name_);
}

}  // namespace llmpace::tokenizer::detail
