# LTDES_GIT_COMMIT: the short commit the tree was configured from ("unknown" outside git).
execute_process(
    COMMAND git -C "${PROJECT_SOURCE_DIR}" rev-parse --short=12 HEAD
    OUTPUT_VARIABLE LTDES_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET RESULT_VARIABLE _ltdes_git_rc)
if(NOT _ltdes_git_rc EQUAL 0 OR LTDES_GIT_COMMIT STREQUAL "")
    set(LTDES_GIT_COMMIT "unknown")
endif()
execute_process(
    COMMAND git -C "${PROJECT_SOURCE_DIR}" status --porcelain --untracked-files=no
    OUTPUT_VARIABLE _ltdes_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _ltdes_dirty STREQUAL "" AND NOT LTDES_GIT_COMMIT STREQUAL "unknown")
    string(APPEND LTDES_GIT_COMMIT "-dirty")
endif()
