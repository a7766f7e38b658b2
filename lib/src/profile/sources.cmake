set(MODULE_SOURCES profile_spec.cpp arrival_schedule.cpp sweep.cpp profile_plan.cpp)
