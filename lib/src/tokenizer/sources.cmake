set(MODULE_SOURCES load_tokenizer.cpp)
