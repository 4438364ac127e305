# symphonic_strict(target): the warnings every test, benchmark and example is built with.
# They are never put on the library target, so embedders keep their own flags. They apply to C++
# units only: a target's nvcc units (SYMPHONIC_CUDA) get the host compiler's defaults.
function(symphonic_strict target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:/W4 /WX>)
  endif()
endfunction()
