set(MODULE_SOURCES url.cpp tls_context.cpp connection.cpp)
