set(TEST_SOURCES
  engine_model_test.cpp
  gpu_preset_test.cpp
  sim_model_test.cpp
  sim_request_test.cpp
  sim_response_test.cpp
  sim_server_test.cpp
  sim_timing_tls_test.cpp)
