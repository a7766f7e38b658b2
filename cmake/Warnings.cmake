# llmpace_warnings: an INTERFACE target carrying the project's warning flags. Linked PRIVATE by
# every target the project builds, so dependants of the installed libraries never inherit them.
add_library(llmpace_warnings INTERFACE)
target_compile_options(llmpace_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(LLMPACE_WARNINGS_AS_ERRORS)
  target_compile_options(llmpace_warnings INTERFACE -Werror)
endif()
