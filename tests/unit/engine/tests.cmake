set(TEST_SOURCES server_token_counter_test.cpp worker_resolution_test.cpp
    runner_closed_loop_test.cpp runner_open_loop_test.cpp runner_limits_test.cpp
    runner_callbacks_test.cpp runner_stop_test.cpp request_execution_test.cpp
    runner_shard_test.cpp)
set(HAS_TIMING_TESTS TRUE)  # [timing] tests run alone (tests/CMakeLists.txt)
