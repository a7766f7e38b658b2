#include "secret_arguments.hpp"

#include <array>
#include <cstring>
#include <string_view>

namespace llmpace::app {
namespace {

constexpr std::array<std::string_view, 4> kSecretFlags = {"--api-key", "--header",
                                                          "--metrics-api-key", "--metrics-header"};

void blank(char* text) { std::memset(text, '*', std::strlen(text)); }

}  // namespace

void hide_secret_arguments(int argc, char** argv) {
  for (int index = 1; index < argc; ++index) {
    const std::string_view argument = argv[index];
    for (const std::string_view flag : kSecretFlags) {
      if (argument == flag && index + 1 < argc) {
        blank(argv[++index]);  // "--api-key VALUE"
      } else if (argument.starts_with(flag) && argument.size() > flag.size() &&
                 argument[flag.size()] == '=') {
        blank(argv[index] + flag.size() + 1);  // "--api-key=VALUE"
      }
    }
  }
}

}  // namespace llmpace::app
