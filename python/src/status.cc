#include "status.h"

#include <string>
#include <string_view>

#include <nanobind/stl/string.h>

namespace nb = nanobind;

namespace sluice::python {

namespace {

// The classes of sluice.errors, looked up once and kept for the process's life.
nb::object ErrorClass(const char* name) {
  static nb::handle errors = nb::module_::import_("sluice.errors").release();
  return errors.attr(name);
}

// Reads the number that starts at `text[*at]`, advancing past it; -1 if none.
int ReadNumber(std::string_view text, size_t* at) {
  int value = -1;
  while (*at < text.size() && text[*at] >= '0' && text[*at] <= '9') {
    value = (value < 0 ? 0 : value * 10) + (text[*at] - '0');
    ++*at;
  }
  return value;
}

// The position Sluice's SQL errors put at the end of their first line:
// "... (line L, column C)". Returns false if the message has none.
bool SqlPosition(std::string_view message, int* line, int* column) {
  const std::string_view first = message.substr(0, message.find('\n'));
  const size_t open = first.rfind("(line ");
  if (open == std::string_view::npos) return false;
  size_t at = open + 6;
  *line = ReadNumber(first, &at);
  if (first.substr(at, 9) != ", column ") return false;
  at += 9;
  *column = ReadNumber(first, &at);
  return *line > 0 && *column > 0 && at < first.size() && first[at] == ')';
}

void Raise(const arrow::Status& status) {
  const std::string& message = status.message();
  int line = 0;
  int column = 0;
  const bool positioned = SqlPosition(message, &line, &column);
  const char* name = "Error";
  if (status.IsNotImplemented()) {
    name = "NotSupportedError";
  } else if (status.IsCancelled()) {
    name = "CancelledError";
  } else if (message.rfind("commit conflict", 0) == 0) {
    name = "ConflictError";
  } else if (positioned) {
    name = "SqlError";
  } else if (status.IsIOError()) {
    name = "StorageError";
  }
  nb::object type = ErrorClass(name);
  nb::object error = type(message);
  if (positioned) {
    error.attr("line") = line;
    error.attr("column") = column;
  }
  PyErr_SetObject(type.ptr(), error.ptr());
}

}  // namespace

void RegisterErrors() {
  nb::register_exception_translator([](const std::exception_ptr& thrown, void*) {
    try {
      std::rethrow_exception(thrown);
    } catch (const StatusError& error) {
      Raise(error.status());
    }
  });
}

void ThrowSchemaError(const arrow::Status& status) {
  PyErr_SetString(ErrorClass("SchemaError").ptr(), status.message().c_str());
  throw nb::python_error();
}

}  // namespace sluice::python
