// CreateTable: validates the definition as DynamoDB does and creates the table's partitions.
#include <algorithm>
#include <chrono>

#include "server/ops/common.h"
#include "server/ops/indexes.h"
#include "server/ops/ops.h"
#include "streams/records.h"

namespace cirrus::server {
namespace {

std::string NameList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  // CreateTable words a missing name its own way (conformance fact M4); the data plane
  // keeps the model's "Member must not be null".
  std::optional<wire::JsonValue> given_name = request.Find("TableName");
  if (!given_name || given_name->is(wire::JsonValue::Type::kNull)) {
    return ValidationError("The parameter 'TableName' is required but was not present in the request");
  }
  RequestReader r(request);
  std::optional<std::string> table_name = ReadTableName(r);
  std::optional<std::string> empty_index_list;

  std::optional<std::vector<db::KeyAttribute>> given = ReadAttributeDefinitions(r);
  r.Required("AttributeDefinitions", given.has_value());
  std::vector<db::KeyAttribute> definitions = given.value_or(std::vector<db::KeyAttribute>());
  std::vector<KeyElement> key_elements = ReadKeySchema(r, KeySchemaOf::kTable);

  std::optional<std::string_view> billing = r.String("BillingMode");
  r.Enum("BillingMode", billing, {"PROVISIONED", "PAY_PER_REQUEST"});
  std::optional<Throughput> throughput = ReadProvisionedThroughput(r);

  std::vector<IndexRequest> index_requests;
  for (bool global : {true, false}) {
    const char* member = global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes";
    std::optional<std::vector<wire::JsonValue>> list = r.List(member);
    if (!list) continue;
    if (list->empty()) {
      // DynamoDB checks this one before the model constraints of the other members.
      empty_index_list = std::string("One or more parameter values were invalid: List of ") +
                         member + " is empty";
    }
    for (size_t i = 0; i < list->size(); ++i) {
      std::optional<RequestReader> e = r.Element(member, i, (*list)[i]);
      if (!e) break;
      index_requests.push_back(ReadIndexRequest(*e, global));
    }
  }
  bool stream_enabled = false;
  std::optional<std::string_view> view_type;
  if (std::optional<wire::JsonValue> stream = r.Object("StreamSpecification")) {
    RequestReader s = r.Nested(*stream, "streamSpecification");
    std::optional<bool> enabled = s.Bool("StreamEnabled");
    s.Required("StreamEnabled", enabled.has_value());
    view_type = s.String("StreamViewType");
    s.Enum("StreamViewType", view_type, {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"});
    stream_enabled = enabled.value_or(false);
  }
  const SseRequest sse = ReadSseSpecification(r);

  std::vector<std::pair<std::string, std::string>> tags;
  Status tag_rules = ReadTags(r, "Tags", false, &tags);
  std::optional<std::string_view> table_class = r.String("TableClass");
  r.Enum("TableClass", table_class, {"STANDARD", "STANDARD_INFREQUENT_ACCESS"});
  std::optional<bool> deletion_protection = r.Bool("DeletionProtectionEnabled");
  db::TableDefinition def;
  ReadThroughputSettings(r, &def);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(tag_rules);

  // Semantic checks, in DynamoDB's order.
  if (empty_index_list) return ValidationError(*empty_index_list);
  // [pk HASH, pk RANGE] with only one definition trips this (sic) first (conformance fact M5).
  if (key_elements.size() == 2 && key_elements[0].name == key_elements[1].name &&
      definitions.size() < 2) {
    return ValidationError("Invalid KeySchema: Some index key attribute have no definition");
  }
  CIRRUS_RETURN_IF_ERROR(CheckKeySchema(key_elements, KeySchemaOf::kTable));
  if (stream_enabled && !view_type) {
    return ValidationError(
        "One or more parameter values were invalid: StreamSpecification must have "
        "StreamViewType specified when StreamEnabled is true");
  }
  if (!stream_enabled && view_type) {
    return ValidationError(
        "One or more parameter values were invalid: StreamSpecification must not have "
        "StreamViewType specified when StreamEnabled is false");
  }
  for (size_t i = 0; i < definitions.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (definitions[i].name == definitions[j].name) {
        return ValidationError("Attribute Name is duplicated: " + definitions[i].name);  // fact T1
      }
    }
  }
  // An index's key schema is checked before the definitions: [a HASH, a HASH] reports the
  // repeated name, not an unused definition.
  for (const IndexRequest& x : index_requests) {
    CIRRUS_RETURN_IF_ERROR(
        CheckKeySchema(x.keys, x.global ? KeySchemaOf::kGlobalIndex : KeySchemaOf::kLocalIndex));
  }
  std::vector<std::string> defined_names, used_names;
  for (const db::KeyAttribute& a : definitions) defined_names.push_back(a.name);
  auto defined = [&](const std::string& name) {
    return std::find(defined_names.begin(), defined_names.end(), name) != defined_names.end();
  };
  // Every key (the table's, then each index's) must be defined, and every definition used.
  std::vector<std::vector<KeyElement>> schemas = {key_elements};
  for (const IndexRequest& x : index_requests) schemas.push_back(x.keys);
  for (const std::vector<KeyElement>& schema : schemas) {
    std::vector<std::string> names;
    for (const KeyElement& k : schema) {
      names.push_back(k.name);
      if (std::find(used_names.begin(), used_names.end(), k.name) == used_names.end()) {
        used_names.push_back(k.name);
      }
    }
    if (!std::all_of(names.begin(), names.end(), defined)) {
      return ValidationError(
          "One or more parameter values were invalid: Some index key attributes are not defined "
          "in AttributeDefinitions. Keys: " + NameList(names) +
          ", AttributeDefinitions: " + NameList(defined_names));
    }
  }
  if (definitions.size() != used_names.size()) {
    return ValidationError(
        "One or more parameter values were invalid: Some AttributeDefinitions are not used. "
        "AttributeDefinitions: " + NameList(defined_names) + ", keys used: " + NameList(used_names));
  }
  const bool on_demand = billing == "PAY_PER_REQUEST";
  if (on_demand && throughput) {
    return ValidationError(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  }
  if (!on_demand && !throughput) {
    return ValidationError(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED");
  }
  if (throughput) CIRRUS_RETURN_IF_ERROR(CheckThroughputQuota(*throughput));
  if (sse.asks_for_kms) return SseRefused();
  CIRRUS_RETURN_IF_ERROR(CheckTableQuota(*ctx.db));

  def.name = *table_name;
  def.table_id = db::NewTableId();
  auto defined_as = [&](const std::string& name) {
    return *std::find_if(definitions.begin(), definitions.end(), [&](auto& a) { return a.name == name; });
  };
  def.key_schema.partition_keys = {defined_as(key_elements[0].name)};
  if (key_elements.size() == 2) def.key_schema.sort_keys = {defined_as(key_elements[1].name)};
  def.attribute_definitions = definitions;
  def.partition_count = ctx.config->default_partitions;
  def.creation_time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  if (on_demand) {
    def.billing_mode = db::BillingMode::kPayPerRequest;
    def.pay_per_request_since_us = def.creation_time_us;
  } else {
    def.billing_mode = db::BillingMode::kProvisioned;
    def.throughput.read_capacity_units = throughput->read;
    def.throughput.write_capacity_units = throughput->write;
  }
  for (const IndexRequest& x : index_requests) {
    CIRRUS_ASSIGN_OR_RETURN(db::IndexDefinition index,
                            MakeIndexDefinition(x, def.key_schema, definitions, on_demand,
                                                ctx.config->default_partitions));
    def.indexes.push_back(std::move(index));
  }
  CIRRUS_RETURN_IF_ERROR(CheckIndexLimits(def.indexes));
  def.deletion_protection = deletion_protection.value_or(false);
  def.table_class = std::string(table_class.value_or("STANDARD"));
  def.tags = std::move(tags);
  if (stream_enabled) {
    def.stream.enabled = true;
    def.stream.view_type = *streams::ParseViewType(*view_type);
  }

  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, ctx.db->CreateTable(std::move(def)));
  return TableDescriptionResponse("TableDescription", *table, "CREATING", *ctx.config);
}

}  // namespace

void CreateTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
