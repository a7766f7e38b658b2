set(TEST_SOURCES profile_spec_test.cpp arrival_schedule_test.cpp sweep_test.cpp)
