set(MODULE_SOURCES model_discovery.cpp request_execution.cpp runner.cpp)
