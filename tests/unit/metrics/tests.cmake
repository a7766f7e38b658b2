set(TEST_SOURCES summary_test.cpp benchmark_metrics_test.cpp)
