# Copies the browser libraries the pages load from node_modules (pinned by package-lock.json) into
# OUTPUT_DIR, only when changed so that their ETags stay stable between builds.
# Run by the web_vendor target: cmake -DSOURCE_DIR=… -DOUTPUT_DIR=… -P copy_web_vendor.cmake
set(files
  "hls.js/dist/hls.min.js=hls.min.js"
  "tus-js-client/dist/tus.min.js=tus.min.js"
  "chart.js/dist/chart.umd.js=chart.umd.js")
file(MAKE_DIRECTORY "${OUTPUT_DIR}")
foreach(entry IN LISTS files)
  string(REPLACE "=" ";" pair "${entry}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  if(NOT EXISTS "${SOURCE_DIR}/node_modules/${from}")
    message(FATAL_ERROR "node_modules/${from} is missing: run npm ci in ${SOURCE_DIR} "
      "(the pages load it from /vendor/${to})")
  endif()
  file(COPY_FILE "${SOURCE_DIR}/node_modules/${from}" "${OUTPUT_DIR}/${to}" ONLY_IF_DIFFERENT)
endforeach()
