# corpus: label=safe class=hardcoded_credentials framework=credentials
import boto3

s3 = boto3.client("s3")
print([b["Name"] for b in s3.list_buckets()["Buckets"]])
