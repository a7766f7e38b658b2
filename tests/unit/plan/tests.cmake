set(TEST_SOURCES run_plan_test.cpp)
