# symphonic_strict(target): the warnings every test, benchmark and example is built with.
# They are never put on the library target, so embedders keep their own flags.
function(symphonic_strict target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /WX)
  endif()
endfunction()
