set(TEST_SOURCES scenario_file_test.cpp guidellm_scenario_test.cpp scenario_writer_test.cpp
    references_test.cpp fuzz_regression_test.cpp suite_file_test.cpp)
