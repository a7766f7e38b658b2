# Every dependency comes from a Debian 12 package installed by scripts/install-deps.sh.
# Nothing is downloaded at configure or build time.
find_package(Threads REQUIRED)
# libboost1.81-dev: Asio and Beast are header-only; Boost.System is header-only since 1.69.
# libboost-url1.81-dev: Boost.URL (compiled) parses the target URL.
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS url)
find_package(OpenSSL REQUIRED)
find_package(CLI11 REQUIRED CONFIG)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
find_package(fmt 9 REQUIRED CONFIG)
find_package(simdjson REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)  # scenario files (libyaml-cpp-dev)
# prometheus-cpp-dev (1.0.1): the metrics model and text format (core) and the --metrics-port
# server (pull, on civetweb). Its push library (libcurl) is not linked: docs/prometheus.md says why.
find_package(prometheus-cpp REQUIRED CONFIG)  # no version file in the package
if(LLMPACE_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED CONFIG)
endif()
if(LLMPACE_BUILD_BENCH)
  find_package(benchmark REQUIRED CONFIG)
endif()
