set(MODULE_SOURCES
  latency_model.cpp
  sim_metrics.cpp
  sim_options.cpp
  sim_request.cpp
  sim_response.cpp
  sim_server.cpp)
