#include "sql/dialect.h"

#include <strings.h>

#include <cctype>
#include <regex>

#include "common/sql_error.h"

namespace sluice::sql {

namespace {

bool StartsWithWord(const std::string& text, const char* word) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return false;
  const size_t n = std::strlen(word);
  return strncasecmp(text.c_str() + start, word, n) == 0 &&
         (start + n == text.size() ||
          !std::isalnum(static_cast<unsigned char>(text[start + n])));
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// An identifier as SQL folds it: "Quoted" keeps its case, unquoted is lower-cased.
std::string FoldIdentifier(std::string text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  const size_t end = text.find_last_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  text = text.substr(begin, end - begin + 1);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return Lower(text);
}

// `'key' = 'value', key.name = value, ...` as in TBLPROPERTIES.
arrow::Status ParseProperties(std::string_view sql, size_t offset, std::string_view body,
                              std::map<std::string, std::string>* out) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  };
  auto token = [&]() -> std::optional<std::string> {
    skip_space();
    if (i >= body.size()) return std::nullopt;
    if (body[i] == '\'') {
      const size_t close = body.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      std::string value(body.substr(i + 1, close - i - 1));
      i = close + 1;
      return value;
    }
    const size_t begin = i;
    while (i < body.size() && (std::isalnum(static_cast<unsigned char>(body[i])) ||
                               std::strchr("._-+", body[i]) != nullptr)) {
      ++i;
    }
    if (i == begin) return std::nullopt;
    return std::string(body.substr(begin, i - begin));
  };
  while (true) {
    auto key = token();
    skip_space();
    if (!key || i >= body.size() || body[i] != '=') {
      return SqlInvalid(sql, static_cast<int>(offset + i),
                        "TBLPROPERTIES expects 'key' = 'value' pairs");
    }
    ++i;
    auto value = token();
    if (!value) {
      return SqlInvalid(sql, static_cast<int>(offset + i),
                        "TBLPROPERTIES expects a value for '" + *key + "'");
    }
    (*out)[*key] = *value;
    skip_space();
    if (i >= body.size()) return arrow::Status::OK();
    if (body[i] != ',') {
      return SqlInvalid(sql, static_cast<int>(offset + i),
                        "TBLPROPERTIES pairs are separated by commas");
    }
    ++i;
  }
}

}  // namespace

arrow::Result<DialectStatement> RewriteDialect(std::string_view sql) {
  DialectStatement out;
  std::string text(sql);
  std::smatch match;
  if (StartsWithWord(text, "optimize")) {
    static const std::regex kOptimize(
        "^\\s*OPTIMIZE\\s+([A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")\\s*;?\\s*$",
        std::regex::icase);
    if (!std::regex_match(text, match, kOptimize)) {
      static const std::regex kZorder("ZORDER\\s+BY", std::regex::icase);
      if (std::regex_search(text, match, kZorder)) {
        return SqlNotSupported(sql, static_cast<int>(match.position(0)),
                               "OPTIMIZE ... ZORDER BY");
      }
      return SqlInvalid(sql, 0, "expected OPTIMIZE <table>");
    }
    out.command = DialectStatement::Command::kOptimize;
    out.table = FoldIdentifier(match[1]);
    return out;
  }
  if (StartsWithWord(text, "vacuum")) {
    static const std::regex kVacuum(
        "^\\s*VACUUM\\s+([A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")"
        "(\\s+RETAIN\\s+([0-9]+(\\.[0-9]*)?)\\s+HOURS?)?(\\s+DRY\\s+RUN)?\\s*;?\\s*$",
        std::regex::icase);
    if (!std::regex_match(text, match, kVacuum)) {
      return SqlInvalid(sql, 0, "expected VACUUM <table> [RETAIN <n> HOURS] [DRY RUN]");
    }
    out.command = DialectStatement::Command::kVacuum;
    out.table = FoldIdentifier(match[1]);
    if (match[3].matched) out.retain_hours = std::stod(match[3]);
    out.dry_run = match[5].matched;
    return out;
  }
  if (StartsWithWord(text, "create")) {
    static const std::regex kOrReplace("^(\\s*CREATE)\\s+OR\\s+REPLACE(\\s+TABLE\\b)",
                                       std::regex::icase);
    if (std::regex_search(text, match, kOrReplace)) {
      out.or_replace = true;
      text =
          match.prefix().str() + match[1].str() + match[2].str() + match.suffix().str();
    }
    static const std::regex kUsingDelta("\\bUSING\\s+DELTA\\b", std::regex::icase);
    text = std::regex_replace(text, kUsingDelta, "");
    static const std::regex kPartitioned("PARTITIONED\\s+BY\\s*\\(([^)]*)\\)",
                                         std::regex::icase);
    if (std::regex_search(text, match, kPartitioned)) {
      const std::string list = match[1];
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string column = FoldIdentifier(list.substr(start, comma - start));
        if (column.empty()) {
          return SqlInvalid(text, static_cast<int>(match.position(0)),
                            "PARTITIONED BY expects a list of column names");
        }
        out.partitioned_by.push_back(column);
        start = comma + 1;
      }
      text = match.prefix().str() + match.suffix().str();
    }
    static const std::regex kProperties("TBLPROPERTIES\\s*\\(([^)]*)\\)",
                                        std::regex::icase);
    if (std::regex_search(text, match, kProperties)) {
      ARROW_RETURN_NOT_OK(ParseProperties(text, static_cast<size_t>(match.position(1)),
                                          match[1].str(), &out.properties));
      text = match.prefix().str() + match.suffix().str();
    }
  }
  if (StartsWithWord(text, "insert")) {
    static const std::regex kOverwrite("^(\\s*)INSERT\\s+OVERWRITE(\\s+TABLE)?\\b",
                                       std::regex::icase);
    if (std::regex_search(text, match, kOverwrite)) {
      out.overwrite = true;
      text = match.prefix().str() + match[1].str() + "INSERT INTO" + match.suffix().str();
    }
  }
  static const std::regex kHistory("DESCRIBE\\s+HISTORY\\s+([A-Za-z_][A-Za-z0-9_]*)",
                                   std::regex::icase);
  text = std::regex_replace(text, kHistory, "SELECT * FROM __delta_history('$1')");
  static const std::regex kVersion(
      "([A-Za-z_][A-Za-z0-9_]*)\\s+VERSION\\s+AS\\s+OF\\s+([0-9]+)", std::regex::icase);
  text = std::regex_replace(text, kVersion, "__delta_version('$1', $2)");
  static const std::regex kTimestamp(
      "([A-Za-z_][A-Za-z0-9_]*)\\s+TIMESTAMP\\s+AS\\s+OF\\s+('[^']*')",
      std::regex::icase);
  out.sql = std::regex_replace(text, kTimestamp, "__delta_timestamp('$1', $2)");
  return out;
}

}  // namespace sluice::sql
