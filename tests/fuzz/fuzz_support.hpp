// Support for the libFuzzer targets in tests/fuzz: a check that aborts (so libFuzzer reports the
// input), the split of an input into a few header bytes that choose piece sizes and the stream
// itself, and a scratch file for the readers that take only a path.
//
// Thread affinity: libFuzzer calls a target from one thread; nothing here is shared.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

/// Aborts with the failed condition on stderr: libFuzzer saves the input as a crash.
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace llmpace::fuzz {

/// An input read as: one byte n (mod 16), then n bytes of piece sizes (0 to 255, used in turn and
/// over again), then the stream. A short input is all stream, fed whole.
struct SplitInput {
  std::vector<std::size_t> piece_sizes;  // empty: feed the stream whole
  std::string_view stream;
};

inline SplitInput split_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  SplitInput input;
  if (bytes.empty()) return input;
  const std::size_t count = static_cast<std::uint8_t>(bytes[0]) % 16;
  if (bytes.size() < 1 + count) {
    input.stream = bytes;
    return input;
  }
  for (std::size_t i = 0; i < count; ++i) {
    input.piece_sizes.push_back(static_cast<std::uint8_t>(bytes[1 + i]));
  }
  input.stream = bytes.substr(1 + count);
  return input;
}

/// Calls feed(piece) for consecutive pieces of input.stream sized by input.piece_sizes in turn
/// (a size of 0 feeds an empty piece, as a read of nothing would); the last piece takes the rest.
/// With no sizes, or only zeros, the stream goes whole after them.
template <typename Feed>
void for_each_piece(const SplitInput& input, Feed&& feed) {
  std::string_view rest = input.stream;
  bool any_size = false;
  for (const std::size_t size : input.piece_sizes) any_size = any_size || size > 0;
  if (!any_size) {
    for (std::size_t i = 0; i < input.piece_sizes.size(); ++i) feed(std::string_view());
    feed(rest);
    return;
  }
  for (std::size_t i = 0; !rest.empty(); ++i) {
    const std::size_t size = input.piece_sizes[i % input.piece_sizes.size()];
    const std::string_view piece = rest.substr(0, size);
    feed(piece);
    rest.remove_prefix(piece.size());
  }
}

/// A file in a per-process scratch directory, rewritten for each input, for readers that accept
/// only a path. In /dev/shm when there is one: on a disk file system (ext4) rewriting a file
/// flushes it on close, which would cost more than the reader. Removed with its directory at exit.
class ScratchFile {
 public:
  ScratchFile() : directory_(scratch_root() / ("llmpace-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(directory_);
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  /// Writes `content` to the file `name` (an earlier one of that name is replaced).
  std::filesystem::path write(const std::string& name, std::string_view content) const {
    const std::filesystem::path path = directory_ / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    FUZZ_CHECK(out.good());
    return path;
  }

 private:
  static std::filesystem::path scratch_root() {
    std::error_code error;
    if (std::filesystem::is_directory("/dev/shm", error)) return "/dev/shm";
    return std::filesystem::temp_directory_path();
  }

  std::filesystem::path directory_;
};

}  // namespace llmpace::fuzz
