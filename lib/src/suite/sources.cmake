set(MODULE_SOURCES suite_jobs.cpp regression.cpp run_directory.cpp suite_summary.cpp)
