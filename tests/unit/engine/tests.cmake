set(TEST_SOURCES server_token_counter_test.cpp)
