# Installation of the documentation and the Debian package (CPack).
# Included from the top CMakeLists.txt after its install() rules:
#   include(scripts/packaging.cmake)
# Build the package with:  cmake --build build && (cd build && cpack -G DEB)

include(GNUInstallDirs)

# Debian policy wants man pages gzip-compressed; -n keeps the archive
# reproducible (no name or timestamp inside).
find_program(CXXENSTORED_GZIP gzip REQUIRED)
set(_cxxenstored_man_src ${CMAKE_CURRENT_LIST_DIR}/../docs/cxxenstored.8)
set(_cxxenstored_man_gz ${CMAKE_BINARY_DIR}/cxxenstored.8.gz)
add_custom_command(
  OUTPUT ${_cxxenstored_man_gz}
  COMMAND ${CXXENSTORED_GZIP} -9 -n -c ${_cxxenstored_man_src} > ${_cxxenstored_man_gz}
  DEPENDS ${_cxxenstored_man_src}
  COMMENT "Compressing the cxxenstored(8) man page")
add_custom_target(cxxenstored_manpage ALL DEPENDS ${_cxxenstored_man_gz})
install(FILES ${_cxxenstored_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/../docs/operations.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME cxxenstored)
set(CPACK_PACKAGE_VENDOR "cxxenstored developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Xen store daemon, drop-in replacement for xenstored")
set(CPACK_PACKAGE_DESCRIPTION
    "cxxenstored serves the Xen configuration database (xenstore) to the\n\
toolstack and to guests, speaking the protocol of Xen's C xenstored 4.17\n\
byte for byte. It supports live update, including from the C daemon, and\n\
exports Prometheus metrics. Select it with XENSTORED=/usr/sbin/cxxenstored\n\
in /etc/default/xen.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "cxxenstored developers <cxxenstored@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # cxxenstored_<version>_<arch>.deb
# Library dependencies (libxen*, libspdlog, libfmt, libstdc++) computed by
# dpkg-shlibdeps from the binary.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The toolstack scripts that start it and the tools that talk to it.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "xen-utils-common, xenstore-utils")

set(CPACK_GENERATOR DEB)
include(CPack)
