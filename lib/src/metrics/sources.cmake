set(MODULE_SOURCES request_record.cpp summary.cpp benchmark_metrics.cpp)
