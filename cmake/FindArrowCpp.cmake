# Provides the targets sluice::arrow (core, compute, Acero, dataset, Parquet) and
# sluice::arrow_flight (Arrow Flight, for the server).
# A system Arrow C++ (find_package) wins; otherwise the C++ headers and shared libraries
# that the pyarrow wheel in the project virtualenv ships are used.
find_package(Arrow CONFIG QUIET)
find_package(ArrowAcero CONFIG QUIET)
find_package(ArrowDataset CONFIG QUIET)
find_package(Parquet CONFIG QUIET)

find_package(ArrowFlight CONFIG QUIET)

add_library(sluice_arrow INTERFACE)
add_library(sluice::arrow ALIAS sluice_arrow)
add_library(sluice_arrow_flight INTERFACE)
add_library(sluice::arrow_flight ALIAS sluice_arrow_flight)
target_link_libraries(sluice_arrow_flight INTERFACE sluice_arrow)

if(Arrow_FOUND AND ArrowAcero_FOUND AND ArrowDataset_FOUND AND Parquet_FOUND)
  message(STATUS "Arrow C++ ${Arrow_VERSION} from the system")
  target_link_libraries(sluice_arrow INTERFACE Arrow::arrow_shared
    ArrowAcero::arrow_acero_shared ArrowDataset::arrow_dataset_shared Parquet::parquet_shared)
  if(TARGET ArrowCompute::arrow_compute_shared)
    target_link_libraries(sluice_arrow INTERFACE ArrowCompute::arrow_compute_shared)
  endif()
  if(NOT ArrowFlight_FOUND)
    message(FATAL_ERROR "the system Arrow C++ has no Arrow Flight, which sluiced needs")
  endif()
  target_link_libraries(sluice_arrow_flight INTERFACE ArrowFlight::arrow_flight_shared)
  set(SLUICE_ARROW_LIBDIR "")
else()
  set(_py "${SLUICE_VENV}/bin/python")
  if(NOT EXISTS "${_py}")
    message(FATAL_ERROR "No system Arrow C++ and no ${_py}: run 'make setup' first")
  endif()
  execute_process(COMMAND "${_py}" -c
    "import pyarrow as pa; print(pa.get_include()); print(pa.get_library_dirs()[0]); print(pa.__version__)"
    OUTPUT_VARIABLE _pa OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "pyarrow is not importable from ${_py}: run 'make setup'")
  endif()
  string(REPLACE "\n" ";" _pa "${_pa}")
  list(GET _pa 0 _inc)
  list(GET _pa 1 SLUICE_ARROW_LIBDIR)
  list(GET _pa 2 _ver)
  message(STATUS "Arrow C++ ${_ver} from the pyarrow wheel in ${SLUICE_ARROW_LIBDIR}")
  target_include_directories(sluice_arrow SYSTEM INTERFACE "${_inc}")
  # The wheel's libparquet exports the OpenSSL it carries. Debian's gRPC (the Spark
  # client) loads the system OpenSSL, whose calls into itself would bind to those copies
  # if libparquet came first in the search order, and crash: the system libraries are
  # listed before the wheel's, so they are found first.
  find_package(OpenSSL REQUIRED)
  target_link_libraries(sluice_arrow INTERFACE
    "-Wl,--no-as-needed" OpenSSL::SSL OpenSSL::Crypto "-Wl,--as-needed")
  foreach(_lib arrow arrow_compute arrow_acero arrow_dataset parquet)
    find_library(_path_${_lib} NAMES ${_lib} PATHS "${SLUICE_ARROW_LIBDIR}" NO_DEFAULT_PATH REQUIRED)
    target_link_libraries(sluice_arrow INTERFACE "${_path_${_lib}}")
  endforeach()
  find_library(_path_arrow_flight NAMES arrow_flight PATHS "${SLUICE_ARROW_LIBDIR}"
               NO_DEFAULT_PATH REQUIRED)
  target_link_libraries(sluice_arrow_flight INTERFACE "${_path_arrow_flight}")
  set(CMAKE_BUILD_RPATH "${SLUICE_ARROW_LIBDIR}")
  # A copy of libsluice inside the Python package finds the wheel next door first.
  set(CMAKE_INSTALL_RPATH "\$ORIGIN/../pyarrow" "${SLUICE_ARROW_LIBDIR}")
endif()
