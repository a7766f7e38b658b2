set(MODULE_SOURCES grouping.cpp report_metrics.cpp push.cpp live_metrics.cpp)
