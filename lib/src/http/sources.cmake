set(MODULE_SOURCES url.cpp tls_context.cpp name_resolver.cpp endpoint_cache.cpp response_reader.cpp tls_failure.cpp request_text.cpp deadline_watch.cpp kernel_receive.cpp connection.cpp)
