# `cmake --install` layout and the .deb (CPack). The panel finds the bundled agent at
# <prefix>/lib/fulcrum/fulcrum-agent, relative to its own executable, so nothing needs configuring.
include(GNUInstallDirs)

set(FULCRUM_APP_ID org.fulcrumpanel.fulcrum)
set(FULCRUM_AGENT_INSTALL_DIR lib/fulcrum)

install(TARGETS fulcrum-agent RUNTIME DESTINATION ${FULCRUM_AGENT_INSTALL_DIR} COMPONENT fulcrum)
foreach(panel_exe fulcrum fulcrum-ctl)
  if(TARGET ${panel_exe})
    install(TARGETS ${panel_exe} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT fulcrum)
  endif()
endforeach()

install(FILES resources/packaging/${FULCRUM_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT fulcrum)
install(FILES resources/packaging/${FULCRUM_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT fulcrum)
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/fulcrum.svg)
  install(FILES resources/icons/fulcrum.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
          RENAME ${FULCRUM_APP_ID}.svg COMPONENT fulcrum)
endif()
# The built-in demo: its worker app and static assets.
install(DIRECTORY resources/demo/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fulcrum/demo COMPONENT fulcrum
        PATTERN "__pycache__" EXCLUDE)
install(FILES README.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT fulcrum)

set(CPACK_PACKAGE_NAME fulcrum)
set(CPACK_PACKAGE_VENDOR "The Fulcrum developers")
set(CPACK_PACKAGE_CONTACT "Fulcrum developers <dev@fulcrum.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Desktop control panel for reverse proxies, load balancers and workers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The panel uploads the bundled agent to every host: ship it without debug info (21 MB → a
# few MB), which also keeps the first deploy over a slow link short.
set(CPACK_STRIP_FILES ON)
# The demo's workers run under waitress; real hosts need nothing but the uploaded agent.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-waitress, openssh-client")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Fulcrum reaches your servers over SSH, deploys a small agent that supervises Python\n WSGI workers and runs its own reverse proxy, load balancer and static file server,\n and shows it all live: pools, workers, throughput and a visual reboot-and-verify.")
# No maintainer scripts: removing the package leaves every user's hosts and settings alone.
include(CPack)
