set(MODULE_SOURCES api_kind.cpp chunk_decoder.cpp chunk_template.cpp chunk_template_set.cpp decoded_chunk.cpp request_builder.cpp stream_recorder.cpp)
