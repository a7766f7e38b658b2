set(TEST_SOURCES suite_jobs_test.cpp regression_test.cpp run_directory_test.cpp suite_summary_test.cpp)
