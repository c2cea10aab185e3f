# Copies the browser libraries the pages load from node_modules (pinned by package-lock.json) into
# OUTPUT_DIR, only when changed so that their ETags stay stable between builds. Stops with "run npm ci"
# when node_modules lacks a library or holds another version than the lock file names.
# Run by the web_vendor target: cmake -DSOURCE_DIR=… -DOUTPUT_DIR=… -P copy_web_vendor.cmake
set(files
  "hls.js|dist/hls.min.js|hls.min.js"
  "tus-js-client|dist/tus.min.js|tus.min.js"
  "chart.js|dist/chart.umd.js|chart.umd.js")
file(READ "${SOURCE_DIR}/package-lock.json" lock)
file(MAKE_DIRECTORY "${OUTPUT_DIR}")
foreach(entry IN LISTS files)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 package)
  list(GET parts 1 file)
  list(GET parts 2 to)
  set(installed "${SOURCE_DIR}/node_modules/${package}")
  if(NOT EXISTS "${installed}/${file}" OR NOT EXISTS "${installed}/package.json")
    message(FATAL_ERROR "node_modules/${package}/${file} is missing: run npm ci in ${SOURCE_DIR} "
      "(the pages load it from /vendor/${to})")
  endif()
  string(JSON wanted GET "${lock}" packages "node_modules/${package}" version)
  file(READ "${installed}/package.json" manifest)
  string(JSON found GET "${manifest}" version)
  if(NOT found STREQUAL wanted)
    message(FATAL_ERROR "node_modules/${package} is ${found} but package-lock.json pins ${wanted}: "
      "run npm ci in ${SOURCE_DIR}")
  endif()
  file(COPY_FILE "${installed}/${file}" "${OUTPUT_DIR}/${to}" ONLY_IF_DIFFERENT)
endforeach()
