# ltdes_add_module(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# One static library per module, named ltdes_<name> with alias ltdes::<name>. Public headers live
# in include/ltdes/<name>/, private ones in src/<name>/.
function(ltdes_add_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    if(NOT ARG_SOURCES)
        # A module with headers only so far.
        add_library(ltdes_${name} INTERFACE)
        add_library(ltdes::${name} ALIAS ltdes_${name})
        target_include_directories(ltdes_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
        target_compile_features(ltdes_${name} INTERFACE cxx_std_20)
        target_link_libraries(ltdes_${name} INTERFACE ${ARG_DEPS})
        return()
    endif()
    add_library(ltdes_${name} STATIC ${ARG_SOURCES})
    add_library(ltdes::${name} ALIAS ltdes_${name})
    target_include_directories(ltdes_${name}
        PUBLIC ${PROJECT_SOURCE_DIR}/include
        PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_features(ltdes_${name} PUBLIC cxx_std_20)
    target_link_libraries(ltdes_${name}
        PUBLIC ${ARG_DEPS}
        PRIVATE ltdes_warnings ltdes_sanitizers ${ARG_PRIVATE_DEPS})
    if(LTDES_CLANG_TIDY)
        set_target_properties(ltdes_${name} PROPERTIES CXX_CLANG_TIDY clang-tidy)
    endif()
endfunction()
