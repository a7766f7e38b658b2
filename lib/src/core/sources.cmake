set(MODULE_SOURCES error_kind.cpp random.cpp setting_error.cpp)
