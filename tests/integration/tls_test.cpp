// TLS: the client verifies the server's certificate by default, fails clearly when it cannot,
// and succeeds with --ca-cert or --insecure. The certificate is made by the test.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

/// A self-signed certificate for 127.0.0.1 (subjectAltName IP), made with the openssl tool.
void make_certificate(const ScratchDir& scratch) {
  const auto result = run_to_exit(
      "/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                           scratch.file("key.pem"), "-out", scratch.file("cert.pem")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
}

std::vector<std::string> tls_benchmark(const std::string& url, std::vector<std::string> extra) {
  std::vector<std::string> arguments{"benchmark",
                                     "--target",
                                     url,
                                     "--max-requests",
                                     "5",
                                     "--data",
                                     "prompt_tokens=16,output_tokens=4"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

}  // namespace

TEST_CASE("TLS to the simulator: verified, refused, --ca-cert, --insecure") {
  ScratchDir scratch;
  make_certificate(scratch);
  auto sim = start_sim_process({"--tls-cert", scratch.file("cert.pem"), "--tls-key",
                                scratch.file("key.pem"), "--ttft-ms", "2", "--itl-ms", "1"});
  REQUIRE_THAT(sim.url, Contains("https://127.0.0.1:"));

  SECTION("an untrusted certificate fails clearly and nothing is measured") {
    const auto result = run_to_exit(llmpace_binary(), tls_benchmark(sim.url, {}));
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.stderr_text, Contains("certificate not trusted"));
    CHECK(non_empty_lines(result.stderr_text).size() == 1);
  }
  SECTION("--ca-cert trusts it") {
    const auto result =
        run_to_exit(llmpace_binary(), tls_benchmark(sim.url, {"--ca-cert", scratch.file("cert.pem"),
                                                              "--output", scratch.file("r.json")}));
    INFO(result.stderr_text);
    CHECK(result.exit_code == 0);
    CHECK(read_json_file(scratch.file("r.json"))["benchmarks"][0]["requests"]["successful"] == 5);
  }
  SECTION("--insecure skips verification") {
    const auto result = run_to_exit(llmpace_binary(), tls_benchmark(sim.url, {"--insecure"}));
    INFO(result.stderr_text);
    CHECK(result.exit_code == 0);
  }
  SECTION("a host name that is not in the certificate is refused") {
    // localhost resolves to 127.0.0.1 but the certificate names only the IP address.
    std::string url = sim.url;
    url.replace(url.find("127.0.0.1"), 9, "localhost");
    const auto result =
        run_to_exit(llmpace_binary(), tls_benchmark(url, {"--ca-cert", scratch.file("cert.pem")}));
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.stderr_text, Contains("certificate"));
  }
}
