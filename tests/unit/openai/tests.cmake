set(TEST_SOURCES
  api_kind_test.cpp
  chunk_batch_test.cpp
  chunk_decoder_test.cpp
  captured_stream_decode_test.cpp
  request_builder_test.cpp
  stream_recorder_test.cpp
  stream_anomalies_test.cpp)
