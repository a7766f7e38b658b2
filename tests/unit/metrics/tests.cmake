set(TEST_SOURCES summary_test.cpp benchmark_metrics_test.cpp run_control_metrics_test.cpp concurrency_goodput_test.cpp time_window_test.cpp)
list(APPEND TEST_SOURCES error_examples_test.cpp)
list(APPEND TEST_SOURCES incomplete_figures_test.cpp)
list(APPEND TEST_SOURCES log_histogram_test.cpp)
