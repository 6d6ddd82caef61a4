# Regenerates src/core/version.cpp at every build, so the commit that lt-des reports (and writes
# into every result file) is the one it was built from, not the one CMake last configured.
add_custom_target(ltdes_version
    COMMAND ${CMAKE_COMMAND}
            -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
            -DVERSION=${PROJECT_VERSION}
            -DIN=${PROJECT_SOURCE_DIR}/src/core/version.cpp.in
            -DOUT=${PROJECT_BINARY_DIR}/src/core/version.cpp
            -P ${PROJECT_SOURCE_DIR}/cmake/LtdesWriteVersion.cmake
    BYPRODUCTS ${PROJECT_BINARY_DIR}/src/core/version.cpp
    COMMENT "Recording the git commit"
    VERBATIM)
