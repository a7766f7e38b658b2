set(MODULE_SOURCES request_record.cpp summary.cpp slo.cpp benchmark_metrics.cpp time_window.cpp
    first_messages.cpp incomplete_samples.cpp)
list(APPEND MODULE_SOURCES log_histogram.cpp)
