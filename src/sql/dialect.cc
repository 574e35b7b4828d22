#include "sql/dialect.h"

#include <string>

#include "common/sql_error.h"
#include "sql/subquery_names.h"
#include "sql/tokens.h"

namespace sluice::sql {

namespace {

// Recognises Sluice's extensions in one statement's tokens and blanks them out of a copy
// of the text, keeping its length and its line breaks.
class DialectRewriter {
 public:
  DialectRewriter(std::string_view sql, std::vector<Token> tokens)
      : sql_(sql), tokens_(std::move(tokens)) {
    out_.sql = std::string(sql);
  }

  arrow::Result<DialectStatement> Run() {
    if (!tokens_.empty()) {
      if (tokens_[0].IsWord("optimize")) return Optimize();
      if (tokens_[0].IsWord("vacuum")) return Vacuum();
      if (WordAt(1, "streaming") && WordAt(2, "write")) {
        if (tokens_[0].IsWord("create")) return CreateStreamingWrite();
        if (tokens_[0].IsWord("stop") || tokens_[0].IsWord("await"))
          return StreamingWriteCommand();
      }
      if (tokens_[0].IsWord("show") && WordAt(1, "streaming") && WordAt(2, "writes")) {
        if (!EndsAt(3))
          return SqlInvalid(sql_, PositionOf(3), "expected SHOW STREAMING WRITES");
        out_.command = DialectStatement::Command::kShowStreamingWrites;
        return std::move(out_);
      }
      if (tokens_[0].IsWord("create")) ARROW_RETURN_NOT_OK(CreateTable());
      if (tokens_[0].IsWord("insert")) InsertOverwrite();
    }
    return Finish();
  }

 private:
  const Token* At(size_t i) const { return i < tokens_.size() ? &tokens_[i] : nullptr; }
  bool WordAt(size_t i, std::string_view word) const {
    return i < tokens_.size() && tokens_[i].IsWord(word);
  }
  bool SymbolAt(size_t i, char c) const {
    return i < tokens_.size() && tokens_[i].IsSymbol(c);
  }
  // True if tokens from `i` on are at most a closing semicolon.
  bool EndsAt(size_t i) const {
    return i >= tokens_.size() || (i + 1 == tokens_.size() && tokens_[i].IsSymbol(';'));
  }
  int PositionOf(size_t i) const {
    return i < tokens_.size() ? tokens_[i].begin : static_cast<int>(sql_.size());
  }
  std::string_view TextOf(size_t i) const {
    return sql_.substr(static_cast<size_t>(tokens_[i].begin),
                       static_cast<size_t>(tokens_[i].end - tokens_[i].begin));
  }

  // Replaces tokens first..last with spaces (line breaks between them stay).
  void Blank(size_t first, size_t last) {
    for (int p = tokens_[first].begin; p < tokens_[last].end; ++p) {
      if (out_.sql[p] != '\n') out_.sql[p] = ' ';
    }
  }
  // Writes `word` over token i, padded with spaces; `word` is never longer.
  void Overwrite(size_t i, std::string_view word) {
    Blank(i, i);
    out_.sql.replace(static_cast<size_t>(tokens_[i].begin), word.size(), word);
  }

  arrow::Result<DialectStatement> Optimize();
  arrow::Result<DialectStatement> Vacuum();
  arrow::Result<DialectStatement> CreateStreamingWrite();
  arrow::Result<DialectStatement> StreamingWriteCommand();
  arrow::Status CreateTable();
  arrow::Status NameList(size_t* i, std::string_view clause,
                         std::vector<std::string>* names);
  arrow::Status PartitionedBy(size_t* i);
  arrow::Status Properties(size_t* i, std::string_view clause);
  arrow::Status TableProperties(size_t* i);
  arrow::Result<std::string> PropertyKey(size_t* i, std::string_view clause);
  arrow::Result<std::string> PropertyValue(size_t* i, std::string_view clause);
  void InsertOverwrite();
  arrow::Status TableVersions();
  arrow::Status NumberPlaceholders();
  arrow::Result<DialectStatement> Finish();
  arrow::Status VersionClause(size_t i);
  void Describe(size_t i);

  std::string_view sql_;
  std::vector<Token> tokens_;
  DialectStatement out_;
};

arrow::Result<DialectStatement> DialectRewriter::Optimize() {
  if (!At(1) || !At(1)->IsName()) {
    return SqlInvalid(sql_, PositionOf(1), "expected OPTIMIZE <table>");
  }
  if (WordAt(2, "zorder"))
    return SqlNotSupported(sql_, PositionOf(2), "OPTIMIZE ... ZORDER BY");
  if (WordAt(2, "where"))
    return SqlNotSupported(sql_, PositionOf(2), "OPTIMIZE ... WHERE");
  if (!EndsAt(2)) return SqlInvalid(sql_, PositionOf(2), "expected OPTIMIZE <table>");
  out_.command = DialectStatement::Command::kOptimize;
  out_.table = tokens_[1].text;
  return std::move(out_);
}

arrow::Result<DialectStatement> DialectRewriter::Vacuum() {
  static constexpr const char* kUsage =
      "expected VACUUM <table> [RETAIN <n> HOURS] [DRY RUN]";
  if (!At(1) || !At(1)->IsName()) return SqlInvalid(sql_, PositionOf(1), kUsage);
  out_.command = DialectStatement::Command::kVacuum;
  out_.table = tokens_[1].text;
  size_t i = 2;
  if (WordAt(i, "retain")) {
    const Token* hours = At(i + 1);
    if (!hours ||
        (hours->kind != Token::Kind::kInteger && hours->kind != Token::Kind::kFloat) ||
        !(WordAt(i + 2, "hours") || WordAt(i + 2, "hour"))) {
      return SqlInvalid(sql_, PositionOf(i), kUsage);
    }
    out_.retain_hours = std::stod(hours->text);
    i += 3;
  }
  if (WordAt(i, "dry") && WordAt(i + 1, "run")) {
    out_.dry_run = true;
    i += 2;
  }
  if (!EndsAt(i)) return SqlInvalid(sql_, PositionOf(i), kUsage);
  return std::move(out_);
}

// `CREATE STREAMING WRITE q INTO t [KEY (cols)] [WITH (k = v, ...)] AS query`.
arrow::Result<DialectStatement> DialectRewriter::CreateStreamingWrite() {
  static constexpr const char* kUsage =
      "expected CREATE STREAMING WRITE <name> INTO <table> [KEY (columns)] "
      "[WITH (option = value, ...)] AS <query>";
  if (!At(3) || !At(3)->IsName() || !WordAt(4, "into") || !At(5) || !At(5)->IsName()) {
    return SqlInvalid(sql_, PositionOf(At(3) && At(3)->IsName() ? 4 : 3), kUsage);
  }
  out_.command = DialectStatement::Command::kCreateStreamingWrite;
  out_.stream = tokens_[3].text;
  out_.table = tokens_[5].text;
  size_t i = 6;
  if (WordAt(i, "key")) {
    ++i;
    ARROW_RETURN_NOT_OK(NameList(&i, "KEY", &out_.keys));
    ++i;
  }
  if (WordAt(i, "with")) {
    ++i;
    ARROW_RETURN_NOT_OK(Properties(&i, "WITH"));
    ++i;
  }
  if (!WordAt(i, "as") || EndsAt(i + 1)) return SqlInvalid(sql_, PositionOf(i), kUsage);
  Blank(0, i);
  return Finish();
}

// `STOP STREAMING WRITE q` and `AWAIT STREAMING WRITE q [TIMEOUT n SECONDS]`.
arrow::Result<DialectStatement> DialectRewriter::StreamingWriteCommand() {
  const bool stop = tokens_[0].IsWord("stop");
  const char* usage = stop
                          ? "expected STOP STREAMING WRITE <name>"
                          : "expected AWAIT STREAMING WRITE <name> [TIMEOUT <n> SECONDS]";
  if (!At(3) || !At(3)->IsName()) return SqlInvalid(sql_, PositionOf(3), usage);
  out_.command = stop ? DialectStatement::Command::kStopStreamingWrite
                      : DialectStatement::Command::kAwaitStreamingWrite;
  out_.stream = tokens_[3].text;
  size_t i = 4;
  if (!stop && WordAt(i, "timeout")) {
    const Token* seconds = At(i + 1);
    if (!seconds ||
        (seconds->kind != Token::Kind::kInteger &&
         seconds->kind != Token::Kind::kFloat) ||
        !(WordAt(i + 2, "seconds") || WordAt(i + 2, "second"))) {
      return SqlInvalid(sql_, PositionOf(i), usage);
    }
    out_.timeout_seconds = std::stod(seconds->text);
    i += 3;
  }
  if (!EndsAt(i)) return SqlInvalid(sql_, PositionOf(i), usage);
  return std::move(out_);
}

arrow::Status DialectRewriter::CreateTable() {
  size_t i = 1;
  if (WordAt(1, "or") && WordAt(2, "replace") && WordAt(3, "table")) {
    out_.or_replace = true;
    Blank(1, 2);
    i = 3;
  }
  if (!WordAt(i, "table")) return arrow::Status::OK();
  // The clauses sit at the outermost level, before a CTAS's query (`AS SELECT ...`).
  int depth = 0;
  for (; i < tokens_.size(); ++i) {
    const Token& token = tokens_[i];
    if (token.IsSymbol('(')) ++depth;
    if (token.IsSymbol(')')) --depth;
    if (depth != 0) continue;
    if (token.IsWord("as")) break;
    if (token.IsWord("partitioned") && WordAt(i + 1, "by")) {
      ARROW_RETURN_NOT_OK(PartitionedBy(&i));
    } else if (token.IsWord("tblproperties")) {
      ARROW_RETURN_NOT_OK(TableProperties(&i));
    }
  }
  return arrow::Status::OK();
}

// `(a, "B")` starting at tokens_[*i] (the '('); leaves *i on the closing ')'.
arrow::Status DialectRewriter::NameList(size_t* i, std::string_view clause,
                                        std::vector<std::string>* names) {
  size_t k = *i;
  const std::string usage = std::string(clause) + " expects a list of column names";
  if (!SymbolAt(k, '(')) return SqlInvalid(sql_, PositionOf(k), usage);
  do {
    ++k;
    if (!At(k) || !At(k)->IsName()) return SqlInvalid(sql_, PositionOf(k), usage);
    names->push_back(tokens_[k].text);
    ++k;
  } while (SymbolAt(k, ','));
  if (!SymbolAt(k, ')')) return SqlInvalid(sql_, PositionOf(k), usage);
  *i = k;
  return arrow::Status::OK();
}

// `PARTITIONED BY (a, "B")` starting at tokens_[*i]; leaves *i on the closing ')'.
arrow::Status DialectRewriter::PartitionedBy(size_t* i) {
  const size_t first = *i;
  size_t k = first + 2;
  ARROW_RETURN_NOT_OK(NameList(&k, "PARTITIONED BY", &out_.partitioned_by));
  Blank(first, k);
  *i = k;
  return arrow::Status::OK();
}

// `(key = value, ...)` starting at tokens_[*i] (the '(') into `properties`; leaves *i
// on the closing ')'.
arrow::Status DialectRewriter::Properties(size_t* i, std::string_view clause) {
  size_t k = *i;
  const std::string usage = std::string(clause) + " expects ('key' = 'value', ...)";
  if (!SymbolAt(k, '(')) return SqlInvalid(sql_, PositionOf(k), usage);
  do {
    ++k;
    ARROW_ASSIGN_OR_RAISE(auto key, PropertyKey(&k, clause));
    if (!SymbolAt(k, '=')) {
      return SqlInvalid(sql_, PositionOf(k),
                        std::string(clause) + " expects 'key' = 'value' pairs");
    }
    ++k;
    ARROW_ASSIGN_OR_RAISE(out_.properties[key], PropertyValue(&k, clause));
  } while (SymbolAt(k, ','));
  if (!SymbolAt(k, ')')) {
    return SqlInvalid(sql_, PositionOf(k),
                      std::string(clause) + " pairs are separated by commas");
  }
  *i = k;
  return arrow::Status::OK();
}

// `TBLPROPERTIES ('k' = 'v', delta.name = 10, ...)`; leaves *i on the closing ')'.
arrow::Status DialectRewriter::TableProperties(size_t* i) {
  const size_t first = *i;
  size_t k = first + 1;
  ARROW_RETURN_NOT_OK(Properties(&k, "TBLPROPERTIES"));
  Blank(first, k);
  *i = k;
  return arrow::Status::OK();
}

// A plain string, or a dotted name kept as written (`delta.checkpointInterval`).
arrow::Result<std::string> DialectRewriter::PropertyKey(size_t* k,
                                                        std::string_view clause) {
  const Token* token = At(*k);
  if (token && token->kind == Token::Kind::kString && token->plain_string) {
    ++*k;
    return token->text;
  }
  if (!token || token->kind != Token::Kind::kWord) {
    return SqlInvalid(sql_, PositionOf(*k),
                      std::string(clause) + " expects 'key' = 'value' pairs");
  }
  std::string key(TextOf(*k));
  ++*k;
  while (SymbolAt(*k, '.') && At(*k + 1) && At(*k + 1)->kind == Token::Kind::kWord) {
    key += ".";
    key += TextOf(*k + 1);
    *k += 2;
  }
  return key;
}

// A plain string, a number (optionally signed) or a word such as true, as written.
arrow::Result<std::string> DialectRewriter::PropertyValue(size_t* k,
                                                          std::string_view clause) {
  const std::string usage = std::string(clause) + " expects a value";
  std::string sign;
  if (SymbolAt(*k, '-') || SymbolAt(*k, '+')) sign = tokens_[(*k)++].text;
  const Token* token = At(*k);
  if (!token) return SqlInvalid(sql_, PositionOf(*k), usage);
  ++*k;
  if (token->kind == Token::Kind::kString && token->plain_string && sign.empty()) {
    return token->text;
  }
  if (token->kind == Token::Kind::kInteger || token->kind == Token::Kind::kFloat) {
    return sign + token->text;
  }
  if (token->kind == Token::Kind::kWord && sign.empty())
    return std::string(TextOf(*k - 1));
  return SqlInvalid(sql_, token->begin, usage);
}

// `INSERT OVERWRITE [TABLE] t` reads `INSERT INTO t`.
void DialectRewriter::InsertOverwrite() {
  if (!WordAt(1, "overwrite")) return;
  out_.overwrite = true;
  Overwrite(1, "INTO");
  if (WordAt(2, "table")) Blank(2, 2);
}

arrow::Status DialectRewriter::TableVersions() {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].IsWord("describe") &&
        (WordAt(i + 1, "history") || WordAt(i + 1, "detail")) &&
        (i == 0 || SymbolAt(i - 1, '(')) && At(i + 2) && At(i + 2)->IsName()) {
      Describe(i);
    } else if ((tokens_[i].IsWord("version") || tokens_[i].IsWord("timestamp")) &&
               i > 0 && tokens_[i - 1].IsName() && WordAt(i + 1, "as") &&
               WordAt(i + 2, "of")) {
      ARROW_RETURN_NOT_OK(VersionClause(i));
    }
  }
  return arrow::Status::OK();
}

// `name VERSION AS OF n` or `name TIMESTAMP AS OF 'ts'` with the keyword at tokens_[i].
arrow::Status DialectRewriter::VersionClause(size_t i) {
  // The table's name starts where its RangeVar will: walk back over `schema.`.
  size_t name = i - 1;
  while (name >= 2 && SymbolAt(name - 1, '.') && tokens_[name - 2].IsName()) name -= 2;
  TableVersionSpec spec;
  const Token* value = At(i + 3);
  if (tokens_[i].IsWord("version")) {
    if (!value || value->kind != Token::Kind::kInteger) {
      return SqlInvalid(sql_, PositionOf(i + 3),
                        "VERSION AS OF expects a table version (an integer >= 0)");
    }
    spec.kind = TableVersionSpec::Kind::kVersion;
    spec.version = std::stoll(value->text);
  } else {
    if (!value || value->kind != Token::Kind::kString || !value->plain_string) {
      return SqlInvalid(
          sql_, PositionOf(i + 3),
          "TIMESTAMP AS OF expects a timestamp such as '2024-05-01 12:00:00'");
    }
    spec.kind = TableVersionSpec::Kind::kTimestamp;
    spec.timestamp = value->text;
  }
  out_.versions[tokens_[name].begin] = std::move(spec);
  Blank(i, i + 3);
  return arrow::Status::OK();
}

// The rewrites every query gets: time travel, placeholders, names for subqueries.
arrow::Result<DialectStatement> DialectRewriter::Finish() {
  ARROW_RETURN_NOT_OK(TableVersions());
  ARROW_RETURN_NOT_OK(NumberPlaceholders());
  ARROW_ASSIGN_OR_RAISE(const bool named,
                        NameUnaliasedSubqueries(&out_.sql, &out_.versions));
  out_.lengthened = out_.lengthened || named;
  return std::move(out_);
}

// `?` placeholders become `$1`, `$2`, ... in order; positions after each move by the
// digits it gained.
arrow::Status DialectRewriter::NumberPlaceholders() {
  std::vector<int> marks;
  int first_numbered = -1;
  for (const auto& token : tokens_) {
    if (token.kind != Token::Kind::kOther) continue;
    if (token.text == "?") marks.push_back(token.begin);
    if (token.text[0] == '$' && first_numbered < 0) first_numbered = token.begin;
  }
  if (marks.empty()) return arrow::Status::OK();
  if (first_numbered >= 0) {
    return SqlInvalid(sql_, first_numbered,
                      "a statement uses either ? or $n placeholders, not both");
  }
  std::string numbered;
  std::map<int, TableVersionSpec> versions;
  auto version = out_.versions.begin();
  size_t done = 0;
  for (size_t i = 0; i < marks.size(); ++i) {
    const size_t mark = static_cast<size_t>(marks[i]);
    for (; version != out_.versions.end() && version->first < marks[i]; ++version) {
      versions[version->first + static_cast<int>(numbered.size() - done)] =
          version->second;
    }
    numbered.append(out_.sql, done, mark - done);
    numbered += "$" + std::to_string(i + 1);
    done = mark + 1;
  }
  const int shift = static_cast<int>(numbered.size() - done);
  for (; version != out_.versions.end(); ++version) {
    versions[version->first + shift] = version->second;
  }
  numbered.append(out_.sql, done);
  out_.sql = std::move(numbered);
  out_.versions = std::move(versions);
  out_.lengthened = true;
  return arrow::Status::OK();
}

// `DESCRIBE HISTORY|DETAIL t` reads `SELECT * FROM t`, with t's history or detail as
// the table.
void DialectRewriter::Describe(size_t i) {
  TableVersionSpec spec;
  spec.kind = tokens_[i + 1].IsWord("history") ? TableVersionSpec::Kind::kHistory
                                               : TableVersionSpec::Kind::kDetail;
  Overwrite(i, "SELECT *");
  Overwrite(i + 1, "FROM");
  out_.versions[tokens_[i + 2].begin] = std::move(spec);
}

}  // namespace

arrow::Result<DialectStatement> RewriteDialect(std::string_view sql) {
  auto tokens = Scan(sql);
  if (!tokens.ok()) {
    DialectStatement unchanged;
    unchanged.sql = std::string(sql);
    return unchanged;
  }
  return DialectRewriter(sql, std::move(*tokens)).Run();
}

}  // namespace sluice::sql
