set(TEST_SOURCES profile_spec_test.cpp)
