set(TEST_SOURCES synthetic_data_test.cpp)
