set(MODULE_SOURCES random.cpp setting_error.cpp)
