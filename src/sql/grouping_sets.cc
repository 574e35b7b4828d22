#include "sql/grouping_sets.h"

#include <string>

#include <arrow/compute/api.h>
#include <arrow/scalar.h>

#include "common/sql_error.h"
#include "sql/binder.h"

namespace sluice::sql {

namespace {

using Sets = std::vector<std::vector<size_t>>;

// A list field of a node, by reference: `items` point into the parse tree.
const Json& ListField(const Json& body, const char* field) {
  static const Json kEmpty = Json::array();
  return body.contains(field) ? body.at(field) : kEmpty;
}

class Expander {
 public:
  Expander(std::string_view sql, GroupByExpansion* out) : sql_(sql), out_(out) {}

  // The sets one item of the clause (or of GROUPING SETS) stands for.
  arrow::Result<Sets> Item(const Json& item) {
    if (NodeKind(item) != "GroupingSet") return Sets{{Add(item)}};
    out_->has_grouping_sets = true;
    const Json& body = NodeBody(item);
    const std::string kind = body.value("kind", "");
    const Json& content = ListField(body, "content");
    if (kind == "GROUPING_SET_EMPTY") return Sets{{}};
    if (kind == "GROUPING_SET_SETS") {
      Sets sets;
      for (const auto& element : content) {
        if (NodeKind(element) == "RowExpr") {  // (a, b): one set of both
          sets.push_back(Group(element));
          continue;
        }
        ARROW_ASSIGN_OR_RAISE(auto more, Item(element));
        sets.insert(sets.end(), more.begin(), more.end());
        ARROW_RETURN_NOT_OK(CheckCount(sets.size(), item));
      }
      return sets;
    }
    std::vector<std::vector<size_t>> groups;  // ROLLUP/CUBE elements, each some items
    for (const auto& element : content) groups.push_back(Group(element));
    if (kind == "GROUPING_SET_ROLLUP") {
      Sets sets;
      for (size_t n = groups.size() + 1; n-- > 0;) sets.push_back(Flatten(groups, n));
      return sets;
    }
    if (kind == "GROUPING_SET_CUBE") {
      if (groups.size() > 12) return TooMany(item);
      Sets sets;
      for (size_t mask = (size_t{1} << groups.size()); mask-- > 0;) {
        std::vector<size_t> set;
        for (size_t g = 0; g < groups.size(); ++g) {
          if (mask & (size_t{1} << (groups.size() - 1 - g)))
            set.insert(set.end(), groups[g].begin(), groups[g].end());
        }
        sets.push_back(std::move(set));
      }
      return sets;
    }
    return SqlNotSupported(sql_, NodeLocation(item), "grouping set kind " + kind);
  }

  arrow::Status CheckCount(size_t count, const Json& item) const {
    return count > kMaxGroupingSets ? TooMany(item) : arrow::Status::OK();
  }

 private:
  size_t Add(const Json& expr) {
    out_->items.push_back(&expr);
    return out_->items.size() - 1;
  }

  // One element of ROLLUP or CUBE: an expression, or a parenthesised list of them.
  std::vector<size_t> Group(const Json& element) {
    if (NodeKind(element) != "RowExpr") return {Add(element)};
    std::vector<size_t> group;
    for (const auto& arg : ListField(NodeBody(element), "args"))
      group.push_back(Add(arg));
    return group;
  }

  static std::vector<size_t> Flatten(const std::vector<std::vector<size_t>>& groups,
                                     size_t n) {
    std::vector<size_t> set;
    for (size_t g = 0; g < n; ++g)
      set.insert(set.end(), groups[g].begin(), groups[g].end());
    return set;
  }

  arrow::Status TooMany(const Json& item) const {
    return SqlInvalid(sql_, NodeLocation(item),
                      "too many grouping sets present (maximum " +
                          std::to_string(kMaxGroupingSets) + ")");
  }

  std::string_view sql_;
  GroupByExpansion* out_;
};

}  // namespace

arrow::Result<GroupByExpansion> ExpandGroupBy(const Json& select, std::string_view sql) {
  const Json& group_clause = ListField(select, "groupClause");
  GroupByExpansion out;
  Expander expander(sql, &out);
  Sets product{{}};
  for (const auto& item : group_clause) {
    ARROW_ASSIGN_OR_RAISE(auto sets, expander.Item(item));
    if (product.size() * sets.size() > kMaxGroupingSets)
      ARROW_RETURN_NOT_OK(expander.CheckCount(product.size() * sets.size(), item));
    Sets next;
    for (const auto& left : product) {
      for (const auto& right : sets) {
        std::vector<size_t> set = left;
        set.insert(set.end(), right.begin(), right.end());
        next.push_back(std::move(set));
      }
    }
    product = std::move(next);
  }
  out.sets = std::move(product);
  return out;
}

arrow::Result<plan::NodePtr> AggregateGroupingSets(
    const plan::NodePtr& input, const GroupedBy& by,
    const std::vector<plan::AggregateCall>& calls,
    const std::vector<GroupingCall>& groupings) {
  namespace cp = arrow::compute;
  if (by.sets.empty()) return plan::LogicalNode::Aggregate(input, by.key_names, calls);
  const size_t n = by.key_names.size();
  std::vector<plan::NodePtr> branches;
  for (const auto& set : by.sets) {
    std::vector<bool> grouped(n, false);
    for (size_t k = by.grouped_keys; k < n; ++k) grouped[k] = true;
    for (size_t k : set) grouped[k] = true;
    std::vector<std::string> set_keys;
    std::vector<cp::Expression> exprs;
    for (size_t k = 0; k < n; ++k) {
      if (grouped[k]) set_keys.push_back(by.key_names[k]);
      exprs.push_back(grouped[k] ? cp::field_ref(by.key_names[k])
                                 : cp::literal(arrow::MakeNullScalar(by.key_types[k])));
    }
    std::vector<std::string> names = by.key_names;
    for (const auto& call : calls) {
      exprs.push_back(cp::field_ref(call.output));
      names.push_back(call.output);
    }
    for (const auto& grouping : groupings) {
      int32_t value = 0;
      for (size_t k : grouping.keys) value = (value << 1) | (grouped[k] ? 0 : 1);
      exprs.push_back(cp::literal(value));
      names.push_back(grouping.output);
    }
    ARROW_ASSIGN_OR_RAISE(auto aggregate,
                          plan::LogicalNode::Aggregate(input, set_keys, calls));
    ARROW_ASSIGN_OR_RAISE(
        auto branch,
        plan::LogicalNode::Project(std::move(aggregate), std::move(exprs), names));
    branches.push_back(std::move(branch));
  }
  if (branches.size() == 1) return branches.front();
  return plan::LogicalNode::Union(std::move(branches));
}

arrow::Result<std::string> Binder::BindGroupingCall(const Json& body,
                                                    ExpressionBinder* input_binder,
                                                    const std::vector<BoundExpr>& keys,
                                                    size_t grouped_keys,
                                                    std::vector<GroupingCall>* calls) {
  const Json args = body.value("args", Json::array());
  if (args.size() > 31) {
    return SqlInvalid(sql_, body.value("location", -1),
                      "GROUPING must have fewer than 32 arguments");
  }
  GroupingCall call;
  for (const auto& arg : args) {
    ARROW_ASSIGN_OR_RAISE(auto bound, input_binder->Bind(arg));
    size_t k = 0;
    while (k < grouped_keys && !(keys[k].expr == bound.expr)) ++k;
    if (k == grouped_keys) {
      return SqlInvalid(sql_, NodeLocation(arg),
                        "arguments to GROUPING must be grouping expressions of the "
                        "associated query level");
    }
    call.keys.push_back(k);
  }
  for (const auto& existing : *calls) {
    if (existing.keys == call.keys) return existing.output;
  }
  call.output = NewName("grouping");
  calls->push_back(call);
  return call.output;
}

}  // namespace sluice::sql
