-- wrk script: GetItem of random keys user#0 .. user#99999 in table "bench"
-- (as loaded by cirrus-load --preload). Usage: wrk -s benchmarks/wrk/getitem.lua URL
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"

request = function()
  local body = '{"TableName":"bench","Key":{"pk":{"S":"user#' .. math.random(0, 99999) .. '"}}}'
  return wrk.format(nil, nil, nil, body)
end
