# Builds the static library sluice_spark_proto: the C++ messages and gRPC stubs of the
# Spark Connect protocol, generated at build time from the .proto files that the pinned
# pyspark wheel ships inside its spark-connect jar (with google/rpc's status and error
# details, which the same jar carries). Nothing of Spark's is kept in the repository.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf)
find_program(PROTOC protoc REQUIRED)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

file(GLOB _connect_jars "${SLUICE_VENV}/lib/python3*/site-packages/pyspark/jars/spark-connect_*.jar")
list(LENGTH _connect_jars _count)
if(NOT _count EQUAL 1)
  message(FATAL_ERROR "expected one spark-connect jar in the pyspark of ${SLUICE_VENV}, "
                      "found ${_count}: run 'make setup'")
endif()
set(_proto_root "${CMAKE_BINARY_DIR}/spark_protos")
file(ARCHIVE_EXTRACT INPUT "${_connect_jars}" DESTINATION "${_proto_root}"
     PATTERNS "spark/connect/*.proto" "google/rpc/status.proto"
              "google/rpc/error_details.proto")

set(_protos
  spark/connect/base spark/connect/catalog spark/connect/commands spark/connect/common
  spark/connect/expressions spark/connect/ml spark/connect/ml_common
  spark/connect/pipelines spark/connect/relations spark/connect/types
  google/rpc/status google/rpc/error_details)
set(_generated_dir "${CMAKE_BINARY_DIR}/spark_generated")
set(_sources)
foreach(_proto ${_protos})
  set(_outputs "${_generated_dir}/${_proto}.pb.cc" "${_generated_dir}/${_proto}.pb.h")
  if(_proto STREQUAL "spark/connect/base")
    list(APPEND _outputs "${_generated_dir}/${_proto}.grpc.pb.cc"
                         "${_generated_dir}/${_proto}.grpc.pb.h")
  endif()
  add_custom_command(
    OUTPUT ${_outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${_generated_dir}"
    COMMAND ${PROTOC} -I "${_proto_root}" --cpp_out "${_generated_dir}"
            --grpc_out "${_generated_dir}" --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
            "${_proto_root}/${_proto}.proto"
    DEPENDS "${_proto_root}/${_proto}.proto"
    COMMENT "Generating C++ for ${_proto}.proto")
  foreach(_out ${_outputs})
    if(_out MATCHES "\\.cc$")
      list(APPEND _sources "${_out}")
    endif()
  endforeach()
endforeach()

# Generated code is not ours: no warnings-as-errors, but the same sanitizer flags as the
# rest (they come from the global compile options), so messages agree across the build.
add_library(sluice_spark_proto STATIC ${_sources})
set_target_properties(sluice_spark_proto PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(sluice_spark_proto PRIVATE -w)
target_include_directories(sluice_spark_proto SYSTEM PUBLIC "${_generated_dir}")
target_link_libraries(sluice_spark_proto PUBLIC PkgConfig::GRPCPP PkgConfig::PROTOBUF)

# The generated headers alone, for code linked with libsluice (which holds the messages:
# linking the static library twice would register every message twice).
add_library(sluice_spark_proto_headers INTERFACE)
target_include_directories(sluice_spark_proto_headers SYSTEM INTERFACE "${_generated_dir}")
target_link_libraries(sluice_spark_proto_headers INTERFACE PkgConfig::GRPCPP PkgConfig::PROTOBUF)
add_dependencies(sluice_spark_proto_headers sluice_spark_proto)
