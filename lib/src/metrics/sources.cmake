set(MODULE_SOURCES request_record.cpp summary.cpp slo.cpp benchmark_metrics.cpp time_window.cpp
    first_messages.cpp incomplete_tally.cpp sample_set.cpp request_tally.cpp)
list(APPEND MODULE_SOURCES log_histogram.cpp)
