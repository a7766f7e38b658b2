set(TEST_SOURCES
  fault_plan_test.cpp
  gpu_preset_test.cpp
  gpu_telemetry_test.cpp
  inference_model_test.cpp
  metrics_flavor_test.cpp
  sim_model_test.cpp
  sim_request_test.cpp
  sim_response_test.cpp
  sim_server_test.cpp
  sim_settings_test.cpp
  sim_timing_tls_test.cpp
  sim_tokenizer_test.cpp
  wall_presets_test.cpp)
set(HAS_TIMING_TESTS TRUE)  # [timing] tests run alone (tests/CMakeLists.txt)
