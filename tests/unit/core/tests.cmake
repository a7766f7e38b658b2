set(TEST_SOURCES random_test.cpp message_text_test.cpp)
list(APPEND TEST_SOURCES http_date_test.cpp)
