#include "sql/tree_check.h"

#include <cctype>
#include <map>
#include <set>
#include <string>

#include "common/sql_error.h"

namespace sluice::sql {

namespace {

// The fields the binder reads, by node kind. Everything else is refused.
const std::map<std::string, std::set<std::string>>& KnownFields() {
  static const std::map<std::string, std::set<std::string>> known = {
      {"SelectStmt",
       {"targetList", "fromClause", "whereClause", "groupClause", "havingClause",
        "sortClause", "limitCount", "limitOffset", "limitOption", "op", "distinctClause",
        "valuesLists", "withClause", "larg", "rarg", "all", "windowClause"}},
      {"WithClause", {"ctes", "recursive", "location"}},
      {"CommonTableExpr", {"ctename", "ctequery", "location", "ctematerialized"}},
      {"RangeVar",
       {"relname", "inh", "relpersistence", "location", "alias", "schemaname"}},
      {"RangeSubselect", {"subquery", "alias", "lateral"}},
      {"RangeFunction", {"functions", "alias", "lateral"}},
      {"JoinExpr", {"jointype", "larg", "rarg", "quals", "usingClause", "isNatural"}},
      {"Alias", {"aliasname", "colnames"}},
      {"ResTarget", {"name", "val", "location"}},
      {"SortBy", {"node", "sortby_dir", "sortby_nulls", "location"}},
      {"FuncCall",
       {"funcname", "args", "agg_star", "agg_distinct", "agg_filter", "agg_order", "over",
        "funcformat", "location"}},
      {"A_Expr", {"kind", "name", "lexpr", "rexpr", "location"}},
      {"BoolExpr", {"boolop", "args", "location"}},
      {"NullTest", {"arg", "nulltesttype", "location"}},
      {"ColumnRef", {"fields", "location"}},
      {"A_Const", {"ival", "fval", "sval", "boolval", "isnull", "location"}},
      {"TypeCast", {"arg", "typeName", "location"}},
      {"TypeName", {"names", "typmods", "typemod", "arrayBounds", "location"}},
      {"CaseExpr", {"arg", "args", "defresult", "location"}},
      {"CaseWhen", {"expr", "result", "location"}},
      {"CoalesceExpr", {"args", "location"}},
      {"MinMaxExpr", {"op", "args", "location"}},
      {"ParamRef", {"number", "location"}},
      {"SQLValueFunction", {"op", "typmod", "location"}},
  };
  return known;
}

// What a user calls the construct behind a field.
std::string Describe(const std::string& kind, const std::string& field) {
  static const std::map<std::string, std::string> names = {
      {"intoClause", "SELECT INTO"},
      {"lockingClause", "FOR UPDATE / FOR SHARE"},
      {"groupDistinct", "GROUP BY DISTINCT"},
      {"useOp", "ORDER BY ... USING"},
      {"indirection", "subscripts and field selection"},
      {"func_variadic", "VARIADIC"},
      {"agg_within_group", "WITHIN GROUP"},
      {"ordinality", "WITH ORDINALITY"},
      {"is_rowsfrom", "ROWS FROM"},
      {"coldeflist", "column definition lists"},
      {"aliascolnames", "column names for a WITH query"},
      {"catalogname", "catalog-qualified table names"},
      {"join_using_alias", "an alias for JOIN ... USING"},
      {"alias", "an alias for a join"},
      {"pct_type", "%TYPE"},
      {"setof", "SETOF"},
  };
  auto it = names.find(field);
  return it != names.end() ? it->second : kind + "." + field;
}

class FieldChecker {
 public:
  explicit FieldChecker(std::string_view sql) : sql_(sql) {}

  arrow::Status Visit(const Json& value, int location) {
    if (value.is_array()) {
      for (const auto& item : value) ARROW_RETURN_NOT_OK(Visit(item, location));
      return arrow::Status::OK();
    }
    if (!value.is_object()) return arrow::Status::OK();
    for (const auto& [key, child] : value.items()) {
      // A node is {"Kind": {fields}}; a bare object is a node's body or a plain struct.
      if (!key.empty() && std::isupper(static_cast<unsigned char>(key[0])) &&
          child.is_object()) {
        ARROW_RETURN_NOT_OK(VisitNode(key, child, location));
      } else {
        ARROW_RETURN_NOT_OK(Visit(child, location));
      }
    }
    return arrow::Status::OK();
  }

 private:
  arrow::Status VisitNode(const std::string& kind, const Json& body, int outer_location) {
    const int location = body.value("location", outer_location);
    auto known = KnownFields().find(kind);
    if (known != KnownFields().end()) {
      for (const auto& [field, child] : body.items()) {
        if (known->second.count(field) == 0) {
          return SqlNotSupported(sql_, location, Describe(kind, field));
        }
      }
    }
    ARROW_RETURN_NOT_OK(CheckValues(kind, body, location));
    for (const auto& [field, child] : body.items()) {
      ARROW_RETURN_NOT_OK(Visit(child, location));
    }
    return arrow::Status::OK();
  }

  // Fields whose presence is fine but some of whose values are not implemented.
  arrow::Status CheckValues(const std::string& kind, const Json& body, int location) {
    if (kind == "RangeVar") {
      // libpg_query's JSON leaves false out: no "inh" is FROM ONLY.
      if (!body.value("inh", false)) return SqlNotSupported(sql_, location, "FROM ONLY");
    } else if (kind == "CreateStmt" || kind == "CreateTableAsStmt") {
      const Json& relation =
          kind == "CreateStmt"
              ? body.value("relation", Json::object())
              : body.value("into", Json::object()).value("rel", Json::object());
      if (relation.value("relpersistence", "p") != "p") {
        return SqlNotSupported(sql_, relation.value("location", location),
                               "temporary or unlogged tables");
      }
    }
    return arrow::Status::OK();
  }

  std::string_view sql_;
};

}  // namespace

arrow::Status CheckSupportedFields(const Json& statement, std::string_view sql) {
  return FieldChecker(sql).Visit(statement, -1);
}

}  // namespace sluice::sql
