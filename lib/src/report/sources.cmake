set(MODULE_SOURCES report.cpp json_writer.cpp console_writer.cpp)
