set(TEST_SOURCES random_test.cpp)
