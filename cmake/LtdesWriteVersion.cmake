# cmake -DSOURCE_DIR= -DVERSION= -DIN= -DOUT= -P LtdesWriteVersion.cmake
# Writes OUT from IN with the short commit of SOURCE_DIR ("-dirty" when tracked files changed;
# "unknown" outside git). configure_file leaves OUT untouched when nothing changed, so a build
# without a new commit recompiles nothing.
execute_process(
    COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
    OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
    set(commit "unknown")
else()
    execute_process(
        COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
        OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT dirty STREQUAL "")
        string(APPEND commit "-dirty")
    endif()
endif()
set(PROJECT_VERSION "${VERSION}")
set(LTDES_GIT_COMMIT "${commit}")
configure_file("${IN}" "${OUT}" @ONLY)
