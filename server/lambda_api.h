#pragma once

#include "server/http.h"
#include "streams/triggers.h"

namespace cirrus::server {

// The subset of AWS Lambda's REST API (2015-03-31) that CirrusDB serves on its own port, so
// that `aws lambda create-event-source-mapping --endpoint-url ...` and boto3's lambda client
// manage triggers unchanged:
//   POST/GET        /2015-03-31/event-source-mappings/        Create / List
//   GET/PUT/DELETE  /2015-03-31/event-source-mappings/{UUID}  Get / Update / Delete
//   GET             /2015-03-31/functions/                    List
//   GET             /2015-03-31/functions/{name}              Get
//   POST            /2015-03-31/functions/{name}/invocations  Invoke (RequestResponse, Event, DryRun)
// Creating, changing or deleting a function is AccessDeniedException: functions are the data
// directory owner's (streams/functions.h). Requests a browser could send (an Origin header, an
// OPTIONS preflight, a non-JSON content type) are refused, and no CORS header is ever sent.
// Errors are Lambda's: x-amzn-ErrorType and {"Type":"User","Message":...}.
bool IsLambdaPath(std::string_view path);
// Answers on `reply`; an invocation runs in the triggers' InvocationPool (TooManyRequests
// when its queue is full), the rest inline.
void HandleLambda(streams::Triggers& triggers, const HttpRequest& request, std::shared_ptr<Reply> reply);
// An error as the Lambda API answers it (a refused signature: 403).
HttpResponse LambdaErrorResponse(const Status& status);

}  // namespace cirrus::server
