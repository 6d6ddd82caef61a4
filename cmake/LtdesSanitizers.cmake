# ltdes_sanitizers: INTERFACE target carrying -fsanitize=<LTDES_SANITIZE> when it is set.
add_library(ltdes_sanitizers INTERFACE)
if(LTDES_SANITIZE)
    target_compile_options(ltdes_sanitizers INTERFACE
        -fsanitize=${LTDES_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(ltdes_sanitizers INTERFACE -fsanitize=${LTDES_SANITIZE})
endif()
