set(MODULE_SOURCES setting_error.cpp)
