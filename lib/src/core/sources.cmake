set(MODULE_SOURCES message_text.cpp error_kind.cpp random.cpp setting_error.cpp
    prometheus_label.cpp http_date.cpp)
