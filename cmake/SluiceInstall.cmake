# cmake --install: headers, libsluice, the executables, SluiceConfig.cmake and sluice.pc.
include(GNUInstallDirs)
install(TARGETS sluice LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS sluice_cli sluiced RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sluice
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# What a consumer needs of Arrow: its include directory and libraries, as this build
# found them.
get_target_property(SLUICE_ARROW_INCLUDE sluice_arrow INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(SLUICE_ARROW_LIBRARIES sluice_arrow INTERFACE_LINK_LIBRARIES)
# Imported targets (OpenSSL, listed first: see FindArrowCpp.cmake) become their files.
if(TARGET OpenSSL::SSL)
  list(TRANSFORM SLUICE_ARROW_LIBRARIES REPLACE "^OpenSSL::SSL$" "${OPENSSL_SSL_LIBRARY}")
  list(TRANSFORM SLUICE_ARROW_LIBRARIES REPLACE "^OpenSSL::Crypto$" "${OPENSSL_CRYPTO_LIBRARY}")
endif()
if(NOT SLUICE_ARROW_INCLUDE)
  set(SLUICE_ARROW_INCLUDE "")
endif()
set(SLUICE_ARROW_CFLAGS "")
foreach(_dir ${SLUICE_ARROW_INCLUDE})
  string(APPEND SLUICE_ARROW_CFLAGS " -I${_dir}")
endforeach()
set(SLUICE_ARROW_LIBS "")
foreach(_lib ${SLUICE_ARROW_LIBRARIES})
  if(IS_ABSOLUTE "${_lib}")
    get_filename_component(_libdir "${_lib}" DIRECTORY)
    string(APPEND SLUICE_ARROW_LIBS " ${_lib} -Wl,-rpath,${_libdir}")
  elseif(_lib MATCHES "^-Wl,")
    string(APPEND SLUICE_ARROW_LIBS " ${_lib}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/SluiceConfig.cmake.in
               ${PROJECT_BINARY_DIR}/SluiceConfig.cmake @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/sluice.pc.in ${PROJECT_BINARY_DIR}/sluice.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/SluiceConfig.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Sluice)
install(FILES ${PROJECT_BINARY_DIR}/sluice.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
