set(MODULE_SOURCES model_discovery.cpp request_execution.cpp run_shared.cpp runner.cpp worker.cpp)
