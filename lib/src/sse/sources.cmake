set(MODULE_SOURCES sse_parser.cpp)
