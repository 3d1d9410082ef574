# Install, export and packaging rules (included at the end of the top-level CMakeLists.txt).
#
#   cmake --install build --prefix P     headers (P/include/redrock/{engine,server}), the four static
#                                        libraries, bin/redrock-server, the CMake package
#                                        (P/lib/cmake/redrock: find_package(redrock) -> redrock::server,
#                                        redrock::engine, redrock::protocol, redrock::common) and
#                                        P/lib/pkgconfig/redrock.pc. Nothing outside P.
#   cd build && cpack -G DEB             redrock-server_<version>_<arch>.deb: /usr/bin/redrock-server,
#                                        /etc/redrock/redrock.conf, the systemd unit; no headers or libraries.
#   cd build && cpack --config CPackSourceConfig.cmake
#                                        redrock-<version>-source.tar.gz: the tracked sources only (below).
#
# Components: devel (headers, libraries, package files), server (the binary), server_system (the config
# file and the unit, at absolute paths /etc and /lib/systemd: EXCLUDE_FROM_ALL, so a plain
# `cmake --install` never writes outside its prefix; only cpack, or an explicit
# `--component server_system` with DESTDIR set, installs them).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(REDROCK_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/redrock)
set(REDROCK_BOOST_MIN_VERSION 1.74)

# The exported targets: nice names, C++20 for whoever includes the public headers.
foreach(layer common protocol engine server)
  set_target_properties(redrock_${layer} PROPERTIES EXPORT_NAME ${layer})
endforeach()
target_compile_features(redrock_engine PUBLIC cxx_std_20)
target_compile_features(redrock_server PUBLIC cxx_std_20)

# redrock_server links lua-cjson by its absolute path (LUA_CJSON_LIBRARY). In the build tree that path
# stays; the installed package names redrock::lua_cjson instead, which redrockConfig.cmake finds again
# with find_library on the consuming machine.
get_target_property(_redrock_server_links redrock_server INTERFACE_LINK_LIBRARIES)
set(_redrock_links_rewritten "")
foreach(_item IN LISTS _redrock_server_links)
  if(_item STREQUAL LUA_CJSON_LIBRARY OR _item STREQUAL "$<LINK_ONLY:${LUA_CJSON_LIBRARY}>")
    list(APPEND _redrock_links_rewritten "$<BUILD_INTERFACE:${LUA_CJSON_LIBRARY}>"
                                         "$<INSTALL_INTERFACE:redrock::lua_cjson>")
  else()
    list(APPEND _redrock_links_rewritten "${_item}")
  endif()
endforeach()
set_property(TARGET redrock_server PROPERTY INTERFACE_LINK_LIBRARIES "${_redrock_links_rewritten}")
unset(_redrock_server_links)
unset(_redrock_links_rewritten)
unset(_item)

# Headers: only the public ones. They include nothing but each other and the standard library (no
# common/, protocol/, engine/ or server/ header), so the private trees are not installed.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/redrock
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT devel
        FILES_MATCHING PATTERN "*.h")

install(TARGETS redrock_common redrock_protocol redrock_engine redrock_server
        EXPORT redrockTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT redrockTargets
        NAMESPACE redrock::
        FILE redrockTargets.cmake
        DESTINATION ${REDROCK_CMAKE_INSTALL_DIR}
        COMPONENT devel)

configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/redrockConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/packaging/redrockConfig.cmake
                              INSTALL_DESTINATION ${REDROCK_CMAKE_INSTALL_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/redrockConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/packaging/redrockConfig.cmake
              ${CMAKE_BINARY_DIR}/packaging/redrockConfigVersion.cmake
        DESTINATION ${REDROCK_CMAKE_INSTALL_DIR}
        COMPONENT devel)

# redrock.pc, written at install time so that its prefix is the one installed to (cmake --install
# --prefix P, or CPack's): plain absolute paths, which pkg-config filters when they are system
# directories (-I/usr/include would break #include_next in the standard library).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "redrock.pc needs CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR relative to the prefix")
endif()
set(REDROCK_PC_PREFIX "@REDROCK_PC_PREFIX@")  # stays for install time
configure_file(${CMAKE_SOURCE_DIR}/cmake/redrock.pc.in ${CMAKE_BINARY_DIR}/packaging/redrock.pc.in @ONLY)
install(CODE "
  set(_redrock_pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/redrock.pc\")
  message(STATUS \"Installing: \${_redrock_pc}\")
  file(READ \"${CMAKE_BINARY_DIR}/packaging/redrock.pc.in\" _redrock_pc_text)
  set(REDROCK_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  file(CONFIGURE OUTPUT \"\${_redrock_pc}\" CONTENT \"\${_redrock_pc_text}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_redrock_pc}\")
" COMPONENT devel)

# The server binary, and what the Debian package adds around it.
install(TARGETS redrock-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/redrock.conf
        DESTINATION /etc/redrock
        COMPONENT server_system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/redrock-server.service
        DESTINATION /lib/systemd/system
        COMPONENT server_system EXCLUDE_FROM_ALL)

# cpack -G DEB (run in the build directory; not part of `make test`): one package, redrock-server, of
# the components server + server_system.
set(CPACK_PACKAGE_NAME redrock-server)
set(CPACK_PACKAGE_VENDOR redrock)
set(CPACK_PACKAGE_CONTACT "redrock maintainers <redrock@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Redis-compatible server over RocksDB")
set(CPACK_PACKAGE_DESCRIPTION
    "redrock speaks RESP (Redis 7.0 compatible) and stores its data in RocksDB. This package holds the\n server, a systemd unit and its configuration file /etc/redrock/redrock.conf.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
# CPACK_PACKAGING_INSTALL_PREFIX: the DEB generator's default, /usr (the binary in /usr/bin).
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL server server_system)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_PACKAGE_NAME redrock-server)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# What `ldd redrock-server` names, by Debian 12 package (dpkg -S; versions as dpkg-shlibdeps gives them).
# RocksDB itself is linked statically (RocksDB::rocksdb is Debian's librocksdb.a), hence its compression
# libraries rather than librocksdb7.8.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1 (>= 3.4), libfmt9 (>= 9.1.0+ds1), liblua5.1-0, lua-cjson (>= 2.1.0+dfsg), libsnappy1v5 (>= 1.1.9), zlib1g (>= 1:1.2.0), libbz2-1.0, liblz4-1 (>= 0.0~r130), libzstd1 (>= 1.5.2)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# `make package_source`, or `cpack --config CPackSourceConfig.cmake` in the build directory: the tracked
# sources (the same files as `git ls-files`) in redrock-<version>-source.tar.gz. Left out, as regexes on
# absolute paths: git's metadata (.git is a directory in a clone, a file in a worktree), build trees
# (build, build-asan, build-fuzz with its fuzz-run/ scratch corpora, build-example...), `make run`'s data/,
# scripts/compat.sh's results/, inputs libFuzzer writes to the current directory when run by hand
# (crash-<sha1>...; a crash kept in fuzz/regressions/ is renamed after what it found, fuzz/README.md),
# Python caches, and editor and tool scratch.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_PACKAGE_FILE_NAME redrock-${PROJECT_VERSION}-source)
set(CPACK_SOURCE_IGNORE_FILES
    "/\\\\.git(/|$)"
    "/build[^/]*/"
    "/fuzz-run/"
    "/(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+$"
    "/data/"
    "/results/"
    "/__pycache__/"
    "\\\\.pyc$"
    "/\\\\.pytest_cache/"
    "/\\\\.cache/"
    "\\\\.swp$"
    "~$")
include(CPack)
