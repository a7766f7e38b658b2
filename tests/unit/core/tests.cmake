set(TEST_SOURCES random_test.cpp message_text_test.cpp)
