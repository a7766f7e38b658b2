set(MODULE_SOURCES url.cpp tls_context.cpp name_resolver.cpp endpoint_cache.cpp response_reader.cpp tls_failure.cpp connection.cpp)
