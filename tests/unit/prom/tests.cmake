set(TEST_SOURCES grouping_test.cpp report_metrics_test.cpp push_test.cpp live_metrics_test.cpp)
