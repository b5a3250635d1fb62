#pragma once

#include "server/http.h"
#include "streams/triggers.h"

namespace cirrus::server {

// The subset of AWS Lambda's REST API (2015-03-31) that CirrusDB serves on its own port, so
// that `aws lambda create-event-source-mapping --endpoint-url ...` and boto3's lambda client
// manage triggers unchanged:
//   POST/GET        /2015-03-31/event-source-mappings/        Create / List
//   GET/PUT/DELETE  /2015-03-31/event-source-mappings/{UUID}  Get / Update / Delete
//   POST/GET        /2015-03-31/functions/                    Create (CirrusHandler) / List
//   GET/DELETE      /2015-03-31/functions/{name}              Get / Delete
//   POST            /2015-03-31/functions/{name}/invocations  Invoke (RequestResponse)
// Errors are Lambda's: x-amzn-ErrorType and {"Type":"User","Message":...}.
bool IsLambdaPath(std::string_view path);
// Answers on `reply`; an invocation runs on a thread of its own (it may take the function's
// whole timeout), the rest inline.
void HandleLambda(streams::Triggers& triggers, const HttpRequest& request, std::shared_ptr<Reply> reply);

}  // namespace cirrus::server
