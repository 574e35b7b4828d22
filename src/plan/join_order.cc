#include "plan/join_order.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "common/like_segments.h"
#include "plan/optimizer.h"

namespace sluice::plan {

namespace {

namespace cp = arrow::compute;

// Rows assumed for a source that cannot tell.
constexpr double kUnknownRows = 1e6;

std::optional<double> DistinctOf(const NodePtr& node, const std::string& column,
                                 bool guess);

// The column of `column = constant` (either way round), if the call is one.
const std::string* ColumnEqualToConstant(const Expression::Call& call) {
  if (call.function_name != "equal" || call.arguments.size() != 2) return nullptr;
  for (int i = 0; i < 2; ++i) {
    const auto* ref = call.arguments[i].field_ref();
    if (ref && ref->name() && call.arguments[1 - i].literal()) return ref->name();
  }
  return nullptr;
}

// The fraction of the rows of `input` a condition is assumed to keep: `column =
// constant` one value's share where statistics count the column's values.
double Selectivity(const Expression& condition, const NodePtr& input) {
  const auto* call = condition.call();
  if (call == nullptr) return 0.5;
  const std::string& name = call->function_name;
  if (const std::string* column = ColumnEqualToConstant(*call)) {
    if (auto distinct = DistinctOf(input, *column, /*guess=*/false)) return 1 / *distinct;
  }
  if (name == "equal") return 0.1;
  if (name == "is_in") return 0.2;
  // LIKE picks out a word or a prefix: TPC-H's keep 1% to 20% of their rows.
  if (name.rfind("match_", 0) == 0 || name.rfind("starts_with", 0) == 0 ||
      name == kMatchLikeSegments) {
    return 0.1;
  }
  if (name == "or_kleene") return 0.5;
  return 0.35;
}

struct Leaf {
  NodePtr node;
  std::set<std::string> columns;
  double rows = 1;        // after the leaf's own filters
  bool filtered = false;  // by its own conditions (or by a filtered leaf joined into it)
};

// About how many distinct values `column` of `node` has: the table's statistics for a
// column passed up from a scan; where none tell, as many as the rows of the node that
// lost track (a key) if `guess`, else nullopt.
std::optional<double> DistinctOf(const NodePtr& node, const std::string& column,
                                 bool guess) {
  switch (node->kind()) {
    case NodeKind::kScan: {
      const int i = node->schema()->GetFieldIndex(column);
      if (i >= 0) {
        if (auto n = node->source()->EstimatedDistinct(node->source_columns()[i]))
          return std::max(1.0, static_cast<double>(*n));
      }
      break;
    }
    case NodeKind::kProject: {
      const int i = node->schema()->GetFieldIndex(column);
      const auto* ref = i >= 0 ? node->exprs()[i].field_ref() : nullptr;
      if (ref && ref->name()) return DistinctOf(node->input(), *ref->name(), guess);
      break;
    }
    case NodeKind::kFilter:
    case NodeKind::kSort:
    case NodeKind::kLimit:
      return DistinctOf(node->input(), column, guess);
    case NodeKind::kWindow:
      if (node->input()->schema()->GetFieldIndex(column) >= 0)
        return DistinctOf(node->input(), column, guess);
      break;
    case NodeKind::kUnion:
      break;
    case NodeKind::kJoin:
      for (const auto& input : node->inputs()) {
        if (input->schema()->GetFieldIndex(column) >= 0)
          return DistinctOf(input, column, guess);
      }
      break;
    case NodeKind::kAggregate: {
      const auto& keys = node->group_keys();
      if (std::find(keys.begin(), keys.end(), column) != keys.end())
        return DistinctOf(node->input(), column, guess);
      break;
    }
  }
  if (!guess) return std::nullopt;
  return EstimateRows(node);
}

double EstimateDistinct(const NodePtr& node, const std::string& column) {
  return *DistinctOf(node, column, /*guess=*/true);
}

bool IsInnerJoin(const NodePtr& node) {
  return node->kind() == NodeKind::kJoin && node->join_kind() == JoinKind::kInner;
}

// A filter (or filters) directly above an inner join belongs to the join region.
bool StartsRegion(const NodePtr& node) {
  const LogicalNode* current = node.get();
  while (current->kind() == NodeKind::kFilter) current = current->input().get();
  return current->kind() == NodeKind::kJoin && current->join_kind() == JoinKind::kInner;
}

std::set<std::string> ColumnsOf(const NodePtr& node) {
  std::set<std::string> out;
  for (const auto& field : node->schema()->fields()) out.insert(field->name());
  return out;
}

bool Covers(const std::set<std::string>& columns, const std::vector<std::string>& refs) {
  for (const auto& ref : refs) {
    if (columns.count(ref) == 0) return false;
  }
  return true;
}

// (a AND x) OR (a AND y) implies a: the conditions every branch of an OR has, so that a
// join key hidden in each branch is found.
std::vector<Expression> CommonToAllBranches(const Expression& condition) {
  const auto branches = SplitDisjunction(condition);
  if (branches.size() < 2) return {};
  std::vector<Expression> common = SplitConjunction(branches[0]);
  for (size_t i = 1; i < branches.size(); ++i) {
    const auto parts = SplitConjunction(branches[i]);
    std::vector<Expression> kept;
    for (const auto& c : common) {
      if (std::find(parts.begin(), parts.end(), c) != parts.end()) kept.push_back(c);
    }
    common = std::move(kept);
  }
  return common;
}

// What an OR across inputs implies for one input: (a1 AND b1) OR (a2 AND b2) implies
// a1 OR a2 when a1 and a2 are on that input alone. nullopt if some branch says nothing
// about it.
std::optional<Expression> ImpliedFor(const Expression& condition,
                                     const std::set<std::string>& columns) {
  const auto branches = SplitDisjunction(condition);
  if (branches.size() < 2) return std::nullopt;
  std::vector<Expression> implied;
  for (const auto& branch : branches) {
    std::vector<Expression> own;
    for (const auto& part : SplitConjunction(branch)) {
      const auto refs = ReferencedColumns(part);
      if (!refs.empty() && Covers(columns, refs)) own.push_back(part);
    }
    if (own.empty()) return std::nullopt;
    implied.push_back(own.size() == 1 ? own[0] : cp::and_(own));
  }
  return cp::or_(implied);
}

// The leaves and conditions of the inner-join region rooted at `node`.
arrow::Status Collect(const NodePtr& node, std::vector<NodePtr>* leaves,
                      std::vector<Expression>* conditions) {
  if (node->kind() == NodeKind::kFilter && StartsRegion(node)) {
    for (auto& c : SplitConjunction(node->predicate())) conditions->push_back(c);
    return Collect(node->input(), leaves, conditions);
  }
  if (IsInnerJoin(node)) {
    ARROW_RETURN_NOT_OK(Collect(node->inputs()[0], leaves, conditions));
    ARROW_RETURN_NOT_OK(Collect(node->inputs()[1], leaves, conditions));
    for (size_t i = 0; i < node->left_keys().size(); ++i) {
      conditions->push_back(cp::equal(cp::field_ref(node->left_keys()[i]),
                                      cp::field_ref(node->right_keys()[i])));
    }
    for (auto& c : SplitConjunction(node->predicate())) conditions->push_back(c);
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto ordered, OrderJoins(node));
  leaves->push_back(std::move(ordered));
  return arrow::Status::OK();
}

// `a = b` with a column of each side: the two column names, the joined side's first.
struct KeyPair {
  std::string joined, next;
};

// The columns of `a = b`, when it equates two columns.
std::optional<std::pair<std::string, std::string>> EquatedColumns(const Expression& e) {
  const auto* call = e.call();
  if (call == nullptr || call->function_name != "equal") return std::nullopt;
  const auto* a = call->arguments[0].field_ref();
  const auto* b = call->arguments[1].field_ref();
  if (a == nullptr || b == nullptr || !a->name() || !b->name()) return std::nullopt;
  return std::make_pair(*a->name(), *b->name());
}

std::optional<KeyPair> AsKeyPair(const Expression& condition,
                                 const std::set<std::string>& joined,
                                 const std::set<std::string>& next) {
  const auto columns = EquatedColumns(condition);
  if (!columns) return std::nullopt;
  const auto& [a, b] = *columns;
  if (joined.count(a) && next.count(b)) return KeyPair{a, b};
  if (joined.count(b) && next.count(a)) return KeyPair{b, a};
  return std::nullopt;
}

// Hash-join keys need one type on both sides: integers meet as BIGINT, other numbers as
// DOUBLE. Adds the cast column to `side` and returns its name; "" if the types cannot
// meet (the equality then stays a residual condition).
std::string CastKey(NodePtr* side, const std::string& column,
                    const std::shared_ptr<arrow::DataType>& type, int* counter) {
  std::string name = column + "#key" + std::to_string((*counter)++);
  auto projected = WithColumn(
      *side, cp::call("cast", {cp::field_ref(column)}, cp::CastOptions::Safe(type)),
      name);
  if (!projected.ok()) return "";
  *side = *projected;
  return name;
}

std::shared_ptr<arrow::DataType> KeyType(const arrow::DataType& a,
                                         const arrow::DataType& b) {
  if (a.Equals(b)) return nullptr;
  const bool ints = arrow::is_integer(a.id()) && arrow::is_integer(b.id());
  if (ints) return arrow::int64();
  const auto numeric = [](const arrow::DataType& t) {
    return arrow::is_integer(t.id()) || arrow::is_floating(t.id());
  };
  if (numeric(a) && numeric(b)) return arrow::float64();
  return nullptr;
}

// Columns of different leaves that equalities make equal, in classes (a = b and b = c
// put a, b and c in one); only columns of one type, so that equality is transitive.
class ColumnClasses {
 public:
  void Equate(const std::string& a, const std::string& b) {
    const std::string x = Find(a), y = Find(b);
    if (x != y) parent_[x] = y;
  }
  // The class's representative: the column itself when it is in no class.
  std::string Find(const std::string& column) const {
    std::string current = column;
    for (auto it = parent_.find(current); it != parent_.end(); it = parent_.find(current))
      current = it->second;
    return current;
  }
  // Each class's columns (those of two or more).
  std::map<std::string, std::vector<std::string>> Members() const {
    std::set<std::string> columns;
    for (const auto& [child, parent] : parent_) columns.insert({child, parent});
    std::map<std::string, std::vector<std::string>> members;
    for (const auto& column : columns) members[Find(column)].push_back(column);
    return members;
  }

 private:
  std::map<std::string, std::string> parent_;
};

// Classes of the columns `shared`'s equalities make equal across leaves, and the
// equalities they imply added to `shared` (l.partkey = p.partkey and l.partkey =
// ps.partkey imply ps.partkey = p.partkey, which lets part filter partsupp before either
// meets lineitem).
ColumnClasses AddImpliedEqualities(const std::vector<NodePtr>& nodes,
                                   std::vector<Expression>* shared) {
  std::map<std::string, std::pair<size_t, std::shared_ptr<arrow::DataType>>> where;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& field : nodes[i]->schema()->fields())
      where[field->name()] = {i, field->type()};
  }
  ColumnClasses classes;
  std::set<std::pair<std::string, std::string>> equated;
  for (const auto& condition : *shared) {
    const auto columns = EquatedColumns(condition);
    if (!columns) continue;
    const auto a = where.find(columns->first), b = where.find(columns->second);
    if (a == where.end() || b == where.end() || a->second.first == b->second.first ||
        !a->second.second->Equals(*b->second.second)) {
      continue;
    }
    classes.Equate(columns->first, columns->second);
    equated.insert(*columns);
    equated.insert({columns->second, columns->first});
  }
  for (const auto& [root, members] : classes.Members()) {
    for (size_t x = 0; x < members.size(); ++x) {
      for (size_t y = x + 1; y < members.size(); ++y) {
        if (where[members[x]].first == where[members[y]].first ||
            equated.count({members[x], members[y]})) {
          continue;
        }
        shared->push_back(
            cp::equal(cp::field_ref(members[x]), cp::field_ref(members[y])));
      }
    }
  }
  return classes;
}

class RegionPlanner {
 public:
  RegionPlanner(std::vector<Leaf> leaves, std::vector<Expression> conditions,
                ColumnClasses classes)
      : leaves_(std::move(leaves)),
        pending_(std::move(conditions)),
        classes_(std::move(classes)) {}

  arrow::Result<NodePtr> Plan() {
    while (leaves_.size() > 2) {
      ARROW_ASSIGN_OR_RAISE(bool merged, MergeDimension());
      if (!merged) break;
    }
    size_t start = 0;
    for (size_t i = 1; i < leaves_.size(); ++i) {
      if (leaves_[i].rows > leaves_[start].rows) start = i;
    }
    Leaf current = leaves_[start];
    leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(start));
    while (!leaves_.empty()) {
      const size_t next = PickNext(current);
      ARROW_ASSIGN_OR_RAISE(current, Join(std::move(current), leaves_[next]));
      leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(next));
    }
    if (!pending_.empty()) return LogicalNode::Filter(current.node, cp::and_(pending_));
    return current.node;
  }

 private:
  // The rows of a join: |A| |B| / max(distinct keys) for equalities (each value of the
  // side with fewer values finds its matches on the other); nullopt for a cross join.
  std::optional<double> JoinRows(const Leaf& a, const Leaf& b) const {
    double divisor = 0;
    for (const auto& condition : pending_) {
      if (auto pair = AsKeyPair(condition, a.columns, b.columns)) {
        divisor = std::max({divisor, EstimateDistinct(a.node, pair->joined),
                            EstimateDistinct(b.node, pair->next)});
      }
    }
    if (divisor == 0) return std::nullopt;
    return std::max(1.0, a.rows * b.rows / divisor);
  }

  // The leaf whose join with `current` gives the fewest rows (of equal estimates, the
  // smaller leaf: its hash table costs less); if none is joined to it by an equality,
  // the smallest leaf (a cross join).
  size_t PickNext(const Leaf& current) const {
    std::optional<size_t> best, best_connected;
    double best_rows = 0;
    for (size_t i = 0; i < leaves_.size(); ++i) {
      if (!best || leaves_[i].rows < leaves_[*best].rows) best = i;
      auto rows = JoinRows(current, leaves_[i]);
      if (!rows) continue;
      const bool tie = best_connected && std::abs(*rows - best_rows) <= 1e-9 * best_rows;
      if (!best_connected || (!tie && *rows < best_rows) ||
          (tie && leaves_[i].rows < leaves_[*best_connected].rows)) {
        best_connected = i;
        best_rows = *rows;
      }
    }
    return best_connected ? *best_connected : *best;
  }

  // A filtered leaf (a lookup table with a condition: region for nation, nation for
  // customer, part for partsupp) is joined first to a neighbour that is not smaller than
  // it and that the join does not grow, so its filter shrinks what the large inputs join
  // with; the smallest such leaf first (nation into customer before customer into
  // orders, orders into lineitem). Of its candidates it joins one that does not itself
  // join the largest leaf, if there is one (nation into customer rather than supplier:
  // the filter then reaches lineitem through orders, in a small hash table, instead of
  // lineitem probing a filtered supplier and carrying a fifth of its rows on), else the
  // smallest. False if there is none.
  arrow::Result<bool> MergeDimension() {
    size_t largest = 0;
    for (size_t i = 1; i < leaves_.size(); ++i) {
      if (leaves_[i].rows > leaves_[largest].rows) largest = i;
    }
    const auto far = [&](size_t j) {
      return j != largest && !JoinRows(leaves_[j], leaves_[largest]);
    };
    const auto preferred = [&](size_t j, size_t other) {
      if (far(j) != far(other)) return far(j);
      return leaves_[j].rows < leaves_[other].rows;
    };
    std::optional<std::pair<size_t, size_t>> merge;  // leaf, the leaf it joins
    for (size_t i = 0; i < leaves_.size(); ++i) {
      if (!leaves_[i].filtered) continue;
      std::optional<size_t> into;
      for (size_t j = 0; j < leaves_.size(); ++j) {
        if (j == i || leaves_[i].rows > leaves_[j].rows) continue;
        const auto rows = JoinRows(leaves_[j], leaves_[i]);
        if (!rows || *rows > leaves_[j].rows) continue;
        if (!into || preferred(j, *into)) into = j;
      }
      if (into && (!merge || leaves_[i].rows < leaves_[merge->first].rows))
        merge = {i, *into};
    }
    if (!merge) return false;
    const auto [i, j] = *merge;
    const double before = leaves_[j].rows;
    const bool was_filtered = leaves_[j].filtered;
    ARROW_ASSIGN_OR_RAISE(leaves_[j], Join(std::move(leaves_[j]), leaves_[i]));
    leaves_[j].filtered = was_filtered || leaves_[j].rows < before;
    leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }

  // `a` joined with `b` on the pending equalities between them (the other conditions
  // they now cover filter the join), the smaller side as the hash table.
  arrow::Result<Leaf> Join(Leaf a, const Leaf& b) {
    Leaf out;
    out.rows = JoinRows(a, b).value_or(a.rows * b.rows);
    NodePtr next = b.node;
    std::vector<std::string> a_keys, b_keys;
    std::vector<Expression> residual, still_pending;
    out.columns = a.columns;
    out.columns.insert(b.columns.begin(), b.columns.end());
    std::set<std::string> keyed_classes;
    for (auto& condition : pending_) {
      if (auto pair = AsKeyPair(condition, a.columns, b.columns)) {
        // Within each side a class's columns are equal already: one key per class.
        const std::string key_class = classes_.Find(pair->joined);
        if (key_class == classes_.Find(pair->next) &&
            !keyed_classes.insert(key_class).second) {
          continue;
        }
        auto a_type = a.node->schema()->GetFieldByName(pair->joined)->type();
        auto b_type = next->schema()->GetFieldByName(pair->next)->type();
        if (auto common = KeyType(*a_type, *b_type)) {
          pair->joined = CastKey(&a.node, pair->joined, common, &counter_);
          pair->next = CastKey(&next, pair->next, common, &counter_);
        }
        if (!pair->joined.empty() && !pair->next.empty()) {
          a_keys.push_back(pair->joined);
          b_keys.push_back(pair->next);
          continue;
        }
      }
      if (Covers(out.columns, ReferencedColumns(condition))) {
        residual.push_back(std::move(condition));
      } else {
        still_pending.push_back(std::move(condition));
      }
    }
    pending_ = std::move(still_pending);
    const Expression filter = residual.empty() ? cp::literal(true) : cp::and_(residual);
    out.node =
        b.rows <= a.rows
            ? LogicalNode::Join(a.node, next, JoinKind::kInner, a_keys, b_keys, filter)
            : LogicalNode::Join(next, a.node, JoinKind::kInner, b_keys, a_keys, filter);
    for (const auto& field : out.node->schema()->fields())
      out.columns.insert(field->name());
    return out;
  }

  std::vector<Leaf> leaves_;
  std::vector<Expression> pending_;
  ColumnClasses classes_;
  int counter_ = 0;
};

// The leaf whose columns cover every column `expr` reads (and it reads some), or -1.
int LeafOf(const std::vector<NodePtr>& nodes, const Expression& expr) {
  const auto refs = ReferencedColumns(expr);
  if (refs.empty()) return -1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (Covers(ColumnsOf(nodes[i]), refs)) return static_cast<int>(i);
  }
  return -1;
}

// The column of `*node` that holds `expr`: a column it is, or one added to the node.
arrow::Result<std::string> KeyColumn(NodePtr* node, const Expression& expr,
                                     int* counter) {
  if (const auto* ref = expr.field_ref(); ref && ref->name()) return *ref->name();
  std::string name =
      ReferencedColumns(expr).front() + "#expr" + std::to_string((*counter)++);
  ARROW_ASSIGN_OR_RAISE(*node, WithColumn(*node, expr, name));
  return name;
}

// Equalities between an expression of one leaf and one of another (`a.x + 1 = b.y`)
// become equalities of columns, each expression computed in its leaf, so that they are
// hash keys rather than the condition of a cross join.
arrow::Status ExpressionKeysAsColumns(std::vector<NodePtr>* nodes,
                                      std::vector<Expression>* shared) {
  int counter = 0;
  for (auto& condition : *shared) {
    const auto* call = condition.call();
    if (call == nullptr || call->function_name != "equal") continue;
    const Expression& x = call->arguments[0];
    const Expression& y = call->arguments[1];
    if (x.field_ref() && y.field_ref()) continue;
    const int i = LeafOf(*nodes, x), j = LeafOf(*nodes, y);
    if (i < 0 || j < 0 || i == j) continue;
    ARROW_ASSIGN_OR_RAISE(auto left, KeyColumn(&(*nodes)[i], x, &counter));
    ARROW_ASSIGN_OR_RAISE(auto right, KeyColumn(&(*nodes)[j], y, &counter));
    condition = cp::equal(cp::field_ref(left), cp::field_ref(right));
  }
  return arrow::Status::OK();
}

// Whether `node` filters its rows before any join: a Filter reached through filters
// and projections (where earlier pushdown put a condition on one input).
bool HasOwnFilter(const NodePtr& node) {
  if (node->kind() == NodeKind::kFilter) return true;
  if (node->kind() == NodeKind::kProject) return HasOwnFilter(node->input());
  return false;
}

arrow::Result<NodePtr> PlanRegion(const NodePtr& root) {
  std::vector<NodePtr> nodes;
  std::vector<Expression> conditions;
  ARROW_RETURN_NOT_OK(Collect(root, &nodes, &conditions));
  for (size_t i = 0, n = conditions.size(); i < n; ++i) {
    for (auto& implied : CommonToAllBranches(conditions[i]))
      conditions.push_back(implied);
  }
  // Conditions on one leaf filter that leaf.
  std::vector<std::vector<Expression>> own(nodes.size());
  std::vector<Expression> shared;
  for (auto& condition : conditions) {
    const auto refs = ReferencedColumns(condition);
    bool placed = false;
    for (size_t i = 0; i < nodes.size() && !refs.empty() && !placed; ++i) {
      if (Covers(ColumnsOf(nodes[i]), refs)) {
        own[i].push_back(condition);
        placed = true;
      }
    }
    if (!placed) shared.push_back(std::move(condition));
  }
  ARROW_RETURN_NOT_OK(ExpressionKeysAsColumns(&nodes, &shared));
  ColumnClasses classes = AddImpliedEqualities(nodes, &shared);
  // Implied conditions shrink the smaller inputs (hash tables, lookups); on the largest,
  // which streams, evaluating them on every row costs more than the join saves (Acero's
  // filters do not short-circuit).
  size_t largest = 0;
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (EstimateRows(nodes[i]) > EstimateRows(nodes[largest])) largest = i;
  }
  for (const auto& condition : shared) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (i == largest) continue;
      if (auto implied = ImpliedFor(condition, ColumnsOf(nodes[i]))) {
        own[i].push_back(std::move(*implied));
      }
    }
  }
  std::vector<Leaf> leaves;
  for (size_t i = 0; i < nodes.size(); ++i) {
    Leaf leaf;
    leaf.node =
        own[i].empty() ? nodes[i] : LogicalNode::Filter(nodes[i], cp::and_(own[i]));
    leaf.columns = ColumnsOf(nodes[i]);
    leaf.rows = EstimateRows(leaf.node);
    leaf.filtered = !own[i].empty() || HasOwnFilter(nodes[i]);
    leaves.push_back(std::move(leaf));
  }
  ARROW_ASSIGN_OR_RAISE(
      auto joined,
      RegionPlanner(std::move(leaves), std::move(shared), std::move(classes)).Plan());
  // The region's columns, in the order the query bound them.
  std::vector<Expression> exprs;
  std::vector<std::string> names;
  for (const auto& field : root->schema()->fields()) {
    exprs.push_back(cp::field_ref(field->name()));
    names.push_back(field->name());
  }
  return LogicalNode::Project(joined, exprs, names);
}

}  // namespace

arrow::Result<NodePtr> OrderJoins(const NodePtr& node) {
  if (IsInnerJoin(node) || (node->kind() == NodeKind::kFilter && StartsRegion(node))) {
    return PlanRegion(node);
  }
  std::vector<NodePtr> inputs;
  for (const auto& input : node->inputs()) {
    ARROW_ASSIGN_OR_RAISE(auto ordered, OrderJoins(input));
    inputs.push_back(std::move(ordered));
  }
  // A semi or anti join whose subquery side is the larger: the outer rows go into the
  // hash table and the subquery's rows probe it.
  const bool semi =
      node->kind() == NodeKind::kJoin &&
      (node->join_kind() == JoinKind::kSemi || node->join_kind() == JoinKind::kAnti);
  if (semi && !node->left_keys().empty() &&
      EstimateRows(inputs[1]) > EstimateRows(inputs[0])) {
    return LogicalNode::Join(inputs[1], inputs[0],
                             node->join_kind() == JoinKind::kSemi ? JoinKind::kRightSemi
                                                                  : JoinKind::kRightAnti,
                             node->right_keys(), node->left_keys(), node->predicate());
  }
  // An outer join builds its hash table from its right input: the smaller input goes
  // there, the preserved side changing with it, and the columns keep their order.
  const bool outer =
      node->kind() == NodeKind::kJoin &&
      (node->join_kind() == JoinKind::kLeft || node->join_kind() == JoinKind::kRight);
  if (outer && !node->left_keys().empty() &&
      EstimateRows(inputs[1]) > EstimateRows(inputs[0])) {
    auto swapped = LogicalNode::Join(
        inputs[1], inputs[0],
        node->join_kind() == JoinKind::kLeft ? JoinKind::kRight : JoinKind::kLeft,
        node->right_keys(), node->left_keys(), node->predicate());
    std::vector<Expression> exprs;
    std::vector<std::string> names;
    for (const auto& field : node->schema()->fields()) {
      exprs.push_back(arrow::compute::field_ref(field->name()));
      names.push_back(field->name());
    }
    return LogicalNode::Project(std::move(swapped), std::move(exprs), std::move(names));
  }
  return WithInputs(node, std::move(inputs));
}

double EstimateRows(const NodePtr& node) {
  switch (node->kind()) {
    case NodeKind::kScan: {
      auto rows = node->source()->EstimatedRows();
      return std::max(1.0, rows ? static_cast<double>(*rows) : kUnknownRows);
    }
    case NodeKind::kFilter: {
      double rows = EstimateRows(node->input());
      for (const auto& c : SplitConjunction(node->predicate())) {
        rows *= Selectivity(c, node->input());
      }
      return std::max(1.0, rows);
    }
    case NodeKind::kProject:
    case NodeKind::kSort:
    case NodeKind::kWindow:
      return EstimateRows(node->input());
    case NodeKind::kUnion: {
      double rows = 0;
      for (const auto& input : node->inputs()) rows += EstimateRows(input);
      return rows;
    }
    case NodeKind::kAggregate:
      if (node->group_keys().empty()) return 1;
      return std::max(1.0, EstimateRows(node->input()) * 0.25);
    case NodeKind::kLimit: {
      const double rows = EstimateRows(node->input());
      return node->count() < 0 ? rows
                               : std::min(rows, static_cast<double>(node->count()));
    }
    case NodeKind::kJoin: {
      const double left = EstimateRows(node->inputs()[0]);
      const double right = EstimateRows(node->inputs()[1]);
      switch (node->join_kind()) {
        case JoinKind::kInner:
          return node->left_keys().empty() ? left * right : std::max(left, right);
        case JoinKind::kLeft:
          return left;
        case JoinKind::kRight:
          return right;
        case JoinKind::kFull:
          return left + right;
        case JoinKind::kSemi:
        case JoinKind::kAnti:
          return std::max(1.0, left * 0.5);
        case JoinKind::kRightSemi:
        case JoinKind::kRightAnti:
          return std::max(1.0, right * 0.5);
      }
    }
  }
  return kUnknownRows;
}

}  // namespace sluice::plan
