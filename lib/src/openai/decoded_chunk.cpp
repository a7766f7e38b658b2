#include "llmpace/openai/decoded_chunk.hpp"

namespace llmpace::openai {

std::string_view to_string(ChunkKind kind) {
  switch (kind) {
    case ChunkKind::empty:
      return "empty";
    case ChunkKind::role_only:
      return "role_only";
    case ChunkKind::content:
      return "content";
    case ChunkKind::reasoning:
      return "reasoning";
    case ChunkKind::finish:
      return "finish";
    case ChunkKind::usage_only:
      return "usage_only";
    case ChunkKind::done:
      return "done";
    case ChunkKind::error:
      return "error";
  }
  return "unknown";
}

}  // namespace llmpace::openai
