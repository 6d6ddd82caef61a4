# ltdes_module_deps(<name> <out-var>): the ltdes::<dep> targets cmake/dependencies.txt (the one
# dependency table, docs/architecture.md) allows module <name> to use.
function(ltdes_module_deps name out)
    file(STRINGS ${PROJECT_SOURCE_DIR}/cmake/dependencies.txt lines REGEX "^${name}:")
    if(NOT lines)
        message(FATAL_ERROR "module ${name} is not in cmake/dependencies.txt")
    endif()
    string(REGEX REPLACE "^${name}:[ ]*" "" deps "${lines}")
    string(REPLACE " " ";" deps "${deps}")
    set(targets "")
    foreach(d IN LISTS deps)
        if(d)
            list(APPEND targets ltdes::${d})
        endif()
    endforeach()
    set(${out} ${targets} PARENT_SCOPE)
endfunction()

# ltdes_add_module(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# One static library per module, named ltdes_<name> with alias ltdes::<name>. Public headers live
# in include/ltdes/<name>/, private ones in src/<name>/. It links the modules the dependency table
# allows; an ltdes:: target in DEPS that the table does not allow is a configure error.
function(ltdes_add_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    ltdes_module_deps(${name} table_deps)
    foreach(d IN LISTS ARG_DEPS ARG_PRIVATE_DEPS)
        if(d MATCHES "^ltdes::" AND NOT d IN_LIST table_deps)
            message(FATAL_ERROR "module ${name} lists ${d}, which cmake/dependencies.txt does not allow")
        endif()
    endforeach()
    list(FILTER ARG_DEPS EXCLUDE REGEX "^ltdes::")
    list(PREPEND ARG_DEPS ${table_deps})
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
