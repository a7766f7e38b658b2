set(MODULE_SOURCES synthetic_data.cpp)
