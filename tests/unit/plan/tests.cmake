set(TEST_SOURCES run_plan_test.cpp observer_list_test.cpp scale_out_plan_test.cpp common_start_test.cpp)
