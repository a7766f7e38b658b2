set(MODULE_SOURCES request_record.cpp)
