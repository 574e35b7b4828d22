#include "sql/fragment_parser.h"

#include "common/sql_error.h"

namespace sluice::sql {

namespace {

void ShiftLocations(Json* node, int shift) {
  if (node->is_object()) {
    for (auto& [key, value] : node->items()) {
      if (key == "location" && value.is_number_integer() && value.get<int>() >= 0) {
        value = value.get<int>() + shift;
      } else {
        ShiftLocations(&value, shift);
      }
    }
  } else if (node->is_array()) {
    for (auto& item : *node) ShiftLocations(&item, shift);
  }
}

// The SelectStmt keys a bare `SELECT <targets> [ORDER BY ...]` has.
bool OnlyKeys(const Json& select, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : select.items()) {
    bool ok = false;
    for (auto name : allowed) ok = ok || key == name;
    if (!ok) return false;
  }
  return select.value("op", "SETOP_NONE") == "SETOP_NONE" &&
         select.value("limitOption", "LIMIT_OPTION_DEFAULT") == "LIMIT_OPTION_DEFAULT";
}

bool IsStar(const Json& target) {
  const Json& val = target.value("val", Json::object());
  if (!val.contains("ColumnRef")) return false;
  for (const auto& field : val["ColumnRef"].value("fields", Json::array())) {
    if (field.contains("A_Star")) return true;
  }
  return false;
}

}  // namespace

arrow::Status FragmentParser::Refuse(std::string_view fragment,
                                     std::string_view why) const {
  return arrow::Status::Invalid(call_, ": '", fragment, "' is not ", why);
}

arrow::Result<Json> FragmentParser::ParseProbe(std::string_view prefix,
                                               std::string_view fragment,
                                               std::string_view what) {
  if (!text_.empty()) text_ += ", ";
  const int shift = static_cast<int>(text_.size()) - static_cast<int>(prefix.size());
  text_ += fragment;
  std::string probe(prefix);
  probe += fragment;
  ARROW_ASSIGN_OR_RAISE(auto statements, Parse(probe, {text_, shift}));
  if (statements.size() != 1 || statements[0].kind != "SelectStmt") {
    return Refuse(fragment, what);
  }
  Json select = NodeBody(statements[0].node);
  ShiftLocations(&select, shift);
  return select;
}

arrow::Result<Json> FragmentParser::SelectItem(std::string_view item, bool allow_star) {
  static constexpr std::string_view kWhat = "one select item (expression [AS name])";
  ARROW_ASSIGN_OR_RAISE(auto select, ParseProbe("SELECT ", item, kWhat));
  if (!OnlyKeys(select, {"targetList", "op", "limitOption"}) ||
      select["targetList"].size() != 1) {
    return Refuse(item, kWhat);
  }
  Json target = NodeBody(select["targetList"][0]);
  if (!allow_star && IsStar(target)) return Refuse(item, "allowed to be *");
  return Json{{"ResTarget", std::move(target)}};
}

arrow::Result<Json> FragmentParser::Expression(std::string_view expr) {
  ARROW_ASSIGN_OR_RAISE(auto select, ParseProbe("SELECT ", expr, "one expression"));
  if (!OnlyKeys(select, {"targetList", "op", "limitOption"}) ||
      select["targetList"].size() != 1) {
    return Refuse(expr, "one expression");
  }
  const Json& target = NodeBody(select["targetList"][0]);
  if (target.contains("name") || IsStar(target)) return Refuse(expr, "one expression");
  return target.at("val");
}

arrow::Result<Json> FragmentParser::SortKey(std::string_view key) {
  static constexpr std::string_view kWhat =
      "one sort key (expression [ASC|DESC] [NULLS FIRST|LAST])";
  ARROW_ASSIGN_OR_RAISE(auto select, ParseProbe("SELECT 1 ORDER BY ", key, kWhat));
  if (!OnlyKeys(select, {"targetList", "sortClause", "op", "limitOption"}) ||
      select["targetList"].size() != 1 || select["sortClause"].size() != 1) {
    return Refuse(key, kWhat);
  }
  return select["sortClause"][0];
}

}  // namespace sluice::sql
