set(TEST_SOURCES sse_parser_test.cpp sse_captured_stream_test.cpp)
