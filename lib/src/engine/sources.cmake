set(MODULE_SOURCES telemetry_scraper.cpp blocking_client.cpp model_discovery.cpp server_token_counter.cpp request_execution.cpp run_shared.cpp runner.cpp worker.cpp)
