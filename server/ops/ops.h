#pragma once

#include "server/ops/operation.h"

// The DynamoDB operations served, one file each:
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html
namespace cirrus::server {

void CreateTable(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeTable(OperationContext& ctx, const wire::JsonValue& request, Done done);
void ListTables(OperationContext& ctx, const wire::JsonValue& request, Done done);
void UpdateTable(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DeleteTable(OperationContext& ctx, const wire::JsonValue& request, Done done);

void PutItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void GetItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DeleteItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void UpdateItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void BatchGetItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void BatchWriteItem(OperationContext& ctx, const wire::JsonValue& request, Done done);
void Query(OperationContext& ctx, const wire::JsonValue& request, Done done);
void Scan(OperationContext& ctx, const wire::JsonValue& request, Done done);
// PartiQL (partiql.cc)
void ExecuteStatement(OperationContext& ctx, const wire::JsonValue& request, Done done);
void BatchExecuteStatement(OperationContext& ctx, const wire::JsonValue& request, Done done);
void ExecuteTransaction(OperationContext& ctx, const wire::JsonValue& request, Done done);
void TransactGetItems(OperationContext& ctx, const wire::JsonValue& request, Done done);
void TransactWriteItems(OperationContext& ctx, const wire::JsonValue& request, Done done);
void TagResource(OperationContext& ctx, const wire::JsonValue& request, Done done);
void UntagResource(OperationContext& ctx, const wire::JsonValue& request, Done done);
void ListTagsOfResource(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeLimits(OperationContext& ctx, const wire::JsonValue& request, Done done);
void CreateBackup(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeBackup(OperationContext& ctx, const wire::JsonValue& request, Done done);
void ListBackups(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DeleteBackup(OperationContext& ctx, const wire::JsonValue& request, Done done);
void RestoreTableFromBackup(OperationContext& ctx, const wire::JsonValue& request, Done done);
void RestoreTableToPointInTime(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeContinuousBackups(OperationContext& ctx, const wire::JsonValue& request, Done done);
void UpdateContinuousBackups(OperationContext& ctx, const wire::JsonValue& request, Done done);
void UpdateTimeToLive(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeTimeToLive(OperationContext& ctx, const wire::JsonValue& request, Done done);

// DynamoDB Streams (DynamoDBStreams_20120810.*), in streams.cc.
void ListStreams(OperationContext& ctx, const wire::JsonValue& request, Done done);
void DescribeStream(OperationContext& ctx, const wire::JsonValue& request, Done done);
void GetShardIterator(OperationContext& ctx, const wire::JsonValue& request, Done done);
void GetRecords(OperationContext& ctx, const wire::JsonValue& request, Done done);

}  // namespace cirrus::server
