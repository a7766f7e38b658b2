set(MODULE_SOURCES profile_spec.cpp)
