set(MODULE_SOURCES url.cpp)
