set(MODULE_SOURCES run_plan.cpp scale_out_plan.cpp common_start.cpp prompt_setup.cpp plan_runner.cpp host_info.cpp observer_list.cpp)
