# ltdes_warnings: the warning set every lt-des target compiles with (INTERFACE target).
add_library(ltdes_warnings INTERFACE)
target_compile_options(ltdes_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough
    # Designated initializers rely on member defaults; that is not a bug.
    -Wno-missing-field-initializers)
if(LTDES_WERROR)
    target_compile_options(ltdes_warnings INTERFACE -Werror)
endif()
