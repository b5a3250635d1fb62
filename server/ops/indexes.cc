#include "server/ops/indexes.h"

#include <algorithm>
#include <set>

namespace cirrus::server {

using wire::JsonValue;
using wire::JsonWriter;

namespace {

constexpr size_t kMaxLocalIndexes = 5;
constexpr size_t kMaxGlobalIndexes = 20;
constexpr size_t kMaxProjectedAttributes = 100;

const char* ProjectionName(db::ProjectionType t) {
  switch (t) {
    case db::ProjectionType::kKeysOnly: return "KEYS_ONLY";
    case db::ProjectionType::kInclude: return "INCLUDE";
    case db::ProjectionType::kAll: return "ALL";
  }
  return "ALL";
}

const char* StatusName(db::IndexStatus s) {
  switch (s) {
    case db::IndexStatus::kCreating: return "CREATING";
    case db::IndexStatus::kActive: return "ACTIVE";
    case db::IndexStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

}  // namespace

std::optional<std::vector<db::KeyAttribute>> ReadAttributeDefinitions(RequestReader& r) {
  std::optional<std::vector<JsonValue>> list = r.List("AttributeDefinitions");
  if (!list) return std::nullopt;
  std::vector<db::KeyAttribute> definitions;
  for (size_t i = 0; i < list->size(); ++i) {
    std::optional<RequestReader> e = r.Element("AttributeDefinitions", i, (*list)[i]);
    if (!e) break;
    std::optional<std::string_view> name = e->String("AttributeName");
    std::optional<std::string_view> type = e->String("AttributeType");
    e->Required("AttributeName", name.has_value());
    e->Length("AttributeName", name, 1, 255);
    e->Required("AttributeType", type.has_value());
    e->Enum("AttributeType", type, {"B", "N", "S"});  // the service's order (fact M7)
    if (name && type) {
      db::ScalarType t = *type == "N"   ? db::ScalarType::kN
                         : *type == "B" ? db::ScalarType::kB
                                        : db::ScalarType::kS;
      definitions.push_back({std::string(*name), t});
    }
  }
  return definitions;
}

std::vector<KeyElement> ReadKeySchema(RequestReader& r, KeySchemaOf of, std::string_view member) {
  std::vector<KeyElement> elements;
  std::optional<std::vector<JsonValue>> keys = r.List(member);
  r.Required(member, keys.has_value());
  // A GSI's multi-attribute key has up to 4 + 4 elements; CheckKeySchema words the limits.
  // Past twice that the list is not read at all.
  const size_t max = of == KeySchemaOf::kGlobalIndex ? 2 * db::kMaxKeyAttributesPerRole : 2;
  if (keys && of == KeySchemaOf::kGlobalIndex) {
    r.Count(member, keys->size(), 1, SIZE_MAX);
  } else if (keys && keys->size() > 2) {
    // The service prints the list as Java does (conformance fact M6).
    std::string printed;
    for (const JsonValue& k : *keys) {
      std::optional<JsonValue> name = k.is(JsonValue::Type::kObject) ? k.Find("AttributeName") : std::nullopt;
      std::optional<JsonValue> type = k.is(JsonValue::Type::kObject) ? k.Find("KeyType") : std::nullopt;
      auto text = [](const std::optional<JsonValue>& v) {
        return v && v->is(JsonValue::Type::kString) ? std::string(v->string()) : std::string("null");
      };
      printed += (printed.empty() ? "" : ", ") + std::string("KeySchemaElement(attributeName=") +
                 text(name) + ", keyType=" + text(type) + ")";
    }
    r.Violation(member, "'[" + printed + "]'", "Member must have length less than or equal to 2");
  } else if (keys) {
    r.Count(member, keys->size(), 1, 2);
  }
  for (size_t i = 0; keys && i < keys->size() && i <= max; ++i) {
    std::optional<RequestReader> e = r.Element(member, i, (*keys)[i]);
    if (!e) break;
    std::optional<std::string_view> name = e->String("AttributeName");
    std::optional<std::string_view> type = e->String("KeyType");
    e->Required("AttributeName", name.has_value());
    e->Length("AttributeName", name, 1, 255);
    e->Required("KeyType", type.has_value());
    e->Enum("KeyType", type, {"HASH", "RANGE"});
    if (name && type) elements.push_back({std::string(*name), std::string(*type)});
  }
  return elements;
}

Status CheckKeySchema(const std::vector<KeyElement>& keys, KeySchemaOf of) {
  if (keys.empty()) return ValidationError("Invalid KeySchema: The KeySchema is empty");
  if (keys[0].type != "HASH") {
    return ValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (of == KeySchemaOf::kGlobalIndex) {
    // Multi-attribute keys: 1-4 HASH elements, then 0-4 RANGE elements, no name twice. The
    // service's texts for these are not known; ours name the rule.
    size_t hash = 0, range = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (keys[i].name == keys[j].name) {
          return ValidationError(
              "Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }
      }
      if (keys[i].type == "HASH" && range > 0) {
        return ValidationError(
            "Invalid KeySchema: All HASH key elements must precede the RANGE key elements");
      }
      (keys[i].type == "HASH" ? hash : range) += 1;
    }
    for (auto [count, type] : {std::pair{hash, "HASH"}, std::pair{range, "RANGE"}}) {
      if (count > db::kMaxKeyAttributesPerRole) {
        return ValidationError("Invalid KeySchema: A KeySchema may have at most " +
                               std::to_string(db::kMaxKeyAttributesPerRole) + " " + type +
                               " key elements; got " + std::to_string(count));
      }
    }
    return Status();
  }
  if (keys.size() == 2) {
    if (keys[1].type != "RANGE") {
      return ValidationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (keys[0].name == keys[1].name) {
      return ValidationError(
          "Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }
  }
  return Status();
}

IndexRequest ReadIndexRequest(RequestReader& e, bool global) {
  IndexRequest x;
  x.global = global;
  std::optional<std::string_view> name = e.String("IndexName");
  e.Required("IndexName", name.has_value());
  e.Name("IndexName", name);
  if (name) x.name = std::string(*name);
  x.keys = ReadKeySchema(e, global ? KeySchemaOf::kGlobalIndex : KeySchemaOf::kLocalIndex);
  std::optional<JsonValue> projection = e.Object("Projection");
  e.Required("Projection", projection.has_value());
  if (projection) {
    RequestReader p = e.Nested(*projection, e.PathOf("Projection"));
    std::optional<std::string_view> type = p.String("ProjectionType");
    p.Enum("ProjectionType", type, {"ALL", "INCLUDE", "KEYS_ONLY"});  // probable order (M7)
    x.projection_type = type ? std::string(*type) : std::string();  // empty: none given
    x.non_key_attributes = p.StringList("NonKeyAttributes");
    if (x.non_key_attributes) {
      p.Count("NonKeyAttributes", x.non_key_attributes->size(), 1, 20);
      for (const std::string& name : *x.non_key_attributes) {
        p.Length("NonKeyAttributes", name, 1, 255);
      }
    }
  }
  if (global) {
    x.throughput = ReadProvisionedThroughput(e);
    e.Object("OnDemandThroughput");  // accepted: there is no request throttling here
  }
  return x;
}

Result<db::IndexDefinition> MakeIndexDefinition(const IndexRequest& x,
                                                const db::KeySchema& table_keys,
                                                const std::vector<db::KeyAttribute>& definitions,
                                                bool on_demand, uint32_t partition_count) {
  CIRRUS_RETURN_IF_ERROR(CheckKeySchema(x.keys, x.global ? KeySchemaOf::kGlobalIndex : KeySchemaOf::kLocalIndex));
  auto type_of = [&](const std::string& name) {
    return std::find_if(definitions.begin(), definitions.end(),
                        [&](const db::KeyAttribute& a) { return a.name == name; })
        ->type;
  };
  db::IndexDefinition d;
  d.name = x.name;
  d.kind = x.global ? db::IndexKind::kGlobal : db::IndexKind::kLocal;
  for (const KeyElement& k : x.keys) {
    (k.type == "HASH" ? d.key_schema.partition_keys : d.key_schema.sort_keys)
        .push_back({k.name, type_of(k.name)});
  }
  if (!x.global) {
    if (!table_keys.sort_key()) {
      return ValidationError(
          "One or more parameter values were invalid: Table KeySchema does not have a range key, "
          "which is required when specifying a LocalSecondaryIndex");
    }
    if (x.keys[0].name != table_keys.partition_key().name) {
      return ValidationError(
          "One or more parameter values were invalid: Index KeySchema does not have the same "
          "leading hash key as table KeySchema for index: " + x.name + ". index hash key: " +
          x.keys[0].name + ", table hash key: " + table_keys.partition_key().name);
    }
    if (x.keys.size() != 2) {
      return ValidationError(
          "One or more parameter values were invalid: Index KeySchema does not have a range key "
          "for index: " + x.name);
    }
  }
  if (x.projection_type.empty()) {  // `Projection: {}` (conformance fact T3)
    return ValidationError("One or more parameter values were invalid: Unknown ProjectionType: null");
  }
  if (x.projection_type == "INCLUDE") {
    if (!x.non_key_attributes) {
      return ValidationError(
          "One or more parameter values were invalid: ProjectionType is INCLUDE, but "
          "NonKeyAttributes is not specified");
    }
    std::set<std::string> seen;
    for (const std::string& name : *x.non_key_attributes) {
      if (!seen.insert(name).second) {
        return ValidationError("One or more parameter values were invalid: Duplicate projected "
                               "attribute: " + name);
      }
    }
    d.non_key_attributes = *x.non_key_attributes;  // key attributes in it are projected anyway
    d.projection = db::ProjectionType::kInclude;
  } else {
    if (x.non_key_attributes) {
      return ValidationError("One or more parameter values were invalid: ProjectionType is " +
                             x.projection_type + ", but NonKeyAttributes is specified");
    }
    d.projection = x.projection_type == "KEYS_ONLY" ? db::ProjectionType::kKeysOnly
                                                    : db::ProjectionType::kAll;
  }
  if (x.global) {
    if (on_demand && x.throughput) {
      return ValidationError(
          "One or more parameter values were invalid: ProvisionedThroughput should not be "
          "specified for index: " + x.name + " when BillingMode is PAY_PER_REQUEST");
    }
    if (!on_demand && !x.throughput) {
      return ValidationError(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified "
          "for index: " + x.name);
    }
    if (x.throughput) {
      CIRRUS_RETURN_IF_ERROR(CheckThroughputQuota(*x.throughput));
      d.read_capacity_units = x.throughput->read;
      d.write_capacity_units = x.throughput->write;
    }
  }
  d.partition_count = partition_count;
  return d;
}

Status CheckIndexLimits(const std::vector<db::IndexDefinition>& indexes) {
  size_t local = 0, global = 0, projected = 0;
  std::set<std::string> names;
  for (const db::IndexDefinition& x : indexes) {
    if (!names.insert(x.name).second) {
      return ValidationError("One or more parameter values were invalid: Duplicate index name: " + x.name);
    }
    (x.kind == db::IndexKind::kLocal ? local : global) += 1;
    projected += x.non_key_attributes.size();
  }
  if (local > kMaxLocalIndexes) {
    return ValidationError(
        "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds "
        "per-table limit of " + std::to_string(kMaxLocalIndexes));
  }
  if (global > kMaxGlobalIndexes) {
    return Status(ErrorKind::kLimitExceeded,
                  "Subscriber limit exceeded: The number of global secondary indexes exceeds the "
                  "per-table limit of " + std::to_string(kMaxGlobalIndexes));
  }
  if (projected > kMaxProjectedAttributes) {
    return ValidationError(
        "One or more parameter values were invalid: The number of projected attributes in all "
        "indexes (" + std::to_string(projected) + ") exceeds the limit of " +
        std::to_string(kMaxProjectedAttributes));
  }
  return Status();
}

void WriteKeySchema(const db::KeySchema& schema, JsonWriter& w) {
  w.BeginArray();
  auto element = [&](const db::KeyAttribute& a, std::string_view type) {
    w.BeginObject();
    w.Key("AttributeName");
    w.String(a.name);
    w.Key("KeyType");
    w.String(type);
    w.EndObject();
  };
  for (const db::KeyAttribute& a : schema.partition_keys) element(a, "HASH");
  for (const db::KeyAttribute& a : schema.sort_keys) element(a, "RANGE");
  w.EndArray();
}

void WriteProjection(const db::IndexDefinition& index, wire::JsonWriter& w) {
  w.Key("Projection");
  w.BeginObject();
  w.Key("ProjectionType");
  w.String(ProjectionName(index.projection));
  if (index.projection == db::ProjectionType::kInclude) {
    w.Key("NonKeyAttributes");
    w.BeginArray();
    for (const std::string& name : index.non_key_attributes) w.String(name);
    w.EndArray();
  }
  w.EndObject();
}

void WriteIndexDescriptions(const db::Table& table, const ServerConfig& config, JsonWriter& w) {
  const bool on_demand = table.definition().billing_mode == db::BillingMode::kPayPerRequest;
  for (db::IndexKind kind : {db::IndexKind::kGlobal, db::IndexKind::kLocal}) {
    const bool global = kind == db::IndexKind::kGlobal;
    bool any = false;
    for (const auto& index : table.indexes()) {
      const db::IndexDefinition& d = index->definition();
      if (d.kind != kind) continue;
      if (!any) {
        w.Key(global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
        w.BeginArray();
        any = true;
      }
      w.BeginObject();
      w.Key("IndexName");
      w.String(d.name);
      w.Key("KeySchema");
      WriteKeySchema(d.key_schema, w);
      WriteProjection(d, w);
      if (global) {
        w.Key("IndexStatus");
        w.String(StatusName(d.status));
        if (d.status == db::IndexStatus::kCreating) {
          w.Key("Backfilling");
          w.Bool(true);
        }
        w.Key("ProvisionedThroughput");
        w.BeginObject();
        w.Key("NumberOfDecreasesToday");
        w.Int(0);
        w.Key("ReadCapacityUnits");
        w.Int(on_demand ? 0 : d.read_capacity_units);
        w.Key("WriteCapacityUnits");
        w.Int(on_demand ? 0 : d.write_capacity_units);
        w.EndObject();
      }
      w.Key("IndexSizeBytes");
      w.Int(index->size_bytes());
      w.Key("ItemCount");
      w.Int(index->item_count());
      w.Key("IndexArn");
      w.String(TableArn(config, table.name()) + "/index/" + d.name);
      w.EndObject();
    }
    if (any) w.EndArray();
  }
}

}  // namespace cirrus::server
